package ecosystem_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
)

// healthCheckEvery is a ReadIdleTimeout far below grpc-go's 5-minute
// minimum between PINGs, as a client checking for dead connections
// every few seconds is, compressed so the test runs quickly.
const healthCheckEvery = 20 * time.Millisecond

// openQuietStream opens a bidi stream on which the server never answers.
func openQuietStream(t *testing.T, ctx context.Context, hc *http.Client, base string) *connect.BidiStreamForClient[wrapperspb.StringValue, wrapperspb.StringValue] {
	t.Helper()
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, base+"/plex.test.Echo/Chat", connect.WithGRPC())
	stream := client.CallBidiStream(ctx)
	require.NoError(t, stream.Send(wrapperspb.String("quiet")))
	return stream
}

// A long-lived stream on which the server stays silent, under a health
// check that PINGs whenever nothing was read for healthCheckEvery.
//
// net/http's HTTP/2 transport PINGs every time, and grpc-go, after the
// third PING in a row without HEADERS or DATA of its own, sends
// GOAWAY(ENHANCE_YOUR_CALM) and drops the connection: the stream fails.
// plex keeps to grpc-go's policy on purpose: two PINGs in a row, then
// none until a PING costs nothing (five minutes after the last, or after
// HEADERS or DATA arrive), so the stream lives on. The price is that a
// silent connection is checked less often.
func TestGRPCHealthCheckPingsSideBySide(t *testing.T) {
	base := serveGRPC(t, &echoService)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("net/http", func(t *testing.T) {
		tr := &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
			ReadIdleTimeout: healthCheckEvery,
			PingTimeout:     5 * time.Second,
		}
		defer tr.CloseIdleConnections()
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		stream := openQuietStream(t, sctx, &http.Client{Transport: tr}, base)
		_, err := stream.Receive() // the server never answers: only a failure ends this
		require.Error(t, err)
		require.NoError(t, ctx.Err(), "the stream failed before the deadline")
		require.Contains(t, err.Error(), "too_many_pings")
		_ = stream.CloseRequest()
		_ = stream.CloseResponse()
	})

	t.Run("plex", func(t *testing.T) {
		var pings, goAways atomic.Int32
		twoPings := make(chan struct{})
		c, err := plex.New(
			plex.WithProtocols(plex.UnencryptedHTTP2),
			plex.WithReadIdleTimeout(healthCheckEvery),
			plex.WithFrameTrace(func(ev h2.FrameEvent) {
				switch {
				case ev.Dir == h2.Written && ev.Type == "PING" && ev.Flags == 0:
					if pings.Add(1) == 2 {
						close(twoPings)
					}
				case ev.Dir == h2.Read && ev.Type == "GOAWAY":
					goAways.Add(1)
				}
			}),
		)
		require.NoError(t, err)
		defer c.Close()
		sctx, stop := context.WithCancel(ctx)
		stream := openQuietStream(t, sctx, &http.Client{Transport: c}, base)
		select {
		case <-twoPings:
		case <-ctx.Done():
			t.Fatal("no health-check PINGs")
		}
		// Fifty more health-check periods of silence: net/http would
		// have sent as many PINGs, and been sent away after two.
		time.Sleep(50 * healthCheckEvery)
		require.Equal(t, int32(2), pings.Load())
		require.Zero(t, goAways.Load())
		stop()
		_, err = stream.Receive()
		require.Equal(t, connect.CodeCanceled, connect.CodeOf(err), "the stream ended by its own cancellation: %v", err)
		_ = stream.CloseRequest()
		_ = stream.CloseResponse()
	})
}
