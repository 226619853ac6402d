package ecosystem_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
)

// bulkService streams, for a request of n, n messages of 1 MiB.
var bulkService = grpc.ServiceDesc{
	ServiceName: "plex.test.Bulk",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Download",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			m := new(wrapperspb.Int32Value)
			if err := stream.RecvMsg(m); err != nil {
				return err
			}
			chunk := &wrapperspb.BytesValue{Value: make([]byte, 1<<20)}
			for range m.GetValue() {
				if err := stream.SendMsg(chunk); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

// Large downloads from grpc-go, one after another and several at once on
// one connection, with plex's adaptive windows on: plex sends PINGs to
// measure the path, and grpc-go, which answers the third PING in a row
// without HEADERS or DATA of its own with GOAWAY(ENHANCE_YOUR_CALM,
// "too_many_pings"), never has a reason to. Every byte arrives and no
// GOAWAY does.
func TestGRPCServerToleratesBDPPings(t *testing.T) {
	base := serveGRPC(t, &bulkService)
	var goAways, pings atomic.Int32
	var goAwayText atomic.Value
	c, err := plex.New(
		plex.WithProtocols(plex.UnencryptedHTTP2),
		plex.WithFrameTrace(func(ev h2.FrameEvent) {
			switch {
			case ev.Dir == h2.Read && ev.Type == "GOAWAY":
				goAways.Add(1)
				goAwayText.Store(ev.Summary)
			case ev.Dir == h2.Written && ev.Type == "PING" && ev.Flags == 0:
				pings.Add(1)
			}
		}),
	)
	require.NoError(t, err)
	defer c.Close()
	client := connect.NewClient[wrapperspb.Int32Value, wrapperspb.BytesValue](
		&http.Client{Transport: c}, base+"/plex.test.Bulk/Download", connect.WithGRPC())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	download := func(mib int32) error {
		stream, err := client.CallServerStream(ctx, connect.NewRequest(wrapperspb.Int32(mib)))
		if err != nil {
			return err
		}
		defer stream.Close()
		var got int32
		for stream.Receive() {
			if len(stream.Msg().GetValue()) != 1<<20 {
				return errors.New("a message of the wrong size")
			}
			got++
		}
		if err := stream.Err(); err != nil {
			return err
		}
		if got != mib {
			return io.ErrUnexpectedEOF
		}
		return nil
	}

	for range 8 {
		require.NoError(t, download(8))
		require.Zero(t, goAways.Load(), "GOAWAY from the server: %v", goAwayText.Load())
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- download(16)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, goAways.Load(), "GOAWAY from the server: %v", goAwayText.Load())
	require.NotZero(t, pings.Load(), "the downloads were sampled")
	t.Logf("%d PINGs sent", pings.Load())
	require.Equal(t, 1, c.Stats().HTTP2Conns, "one connection carried everything")
}
