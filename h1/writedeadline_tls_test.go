package h1

import (
	"bufio"
	"crypto/tls"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/deadline"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/plexhttp/plex/internal/netclose"
	"github.com/plexhttp/plex/internal/testcert"
)

// endlessBody is a request body that never ends.
type endlessBody struct{}

func (endlessBody) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Over TLS, a write that stops making progress fails the request as soon
// as over cleartext. Closing the connection for it must not wait for
// crypto/tls to send close_notify into the send buffer the peer stopped
// draining (it gives that write 5s).
func TestStalledTLSWriteFailsWithinTheSlack(t *testing.T) {
	// Valid for synctest's clock, which starts in 2000.
	certs, err := testcert.NewValidity(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	synctest.Test(t, func(t *testing.T) {
		const d = time.Second
		cli, srv := memconn.NewPipe(memconn.Options{MaxBuffered: 64 << 10})
		stop := make(chan struct{})
		served := make(chan error, 1)
		go func() {
			// The server takes the request head and then reads no more.
			_, err := readHead(bufio.NewReader(tls.Server(srv, certs.ServerTLS())))
			<-stop
			srv.Close()
			served <- err
		}()
		cfg := certs.ClientTLS()
		cfg.ServerName = "localhost"
		tc := tls.Client(cli, cfg)
		require.NoError(t, tc.HandshakeContext(t.Context()))
		c := NewConn(tc, &Config{WriteByteTimeout: d}, ConnOptions{}, nil)
		defer c.Close()

		mustReserve(t, c)
		start := time.Now()
		_, err := c.RoundTrip(newReq(t, "POST", "http://h/", endlessBody{}))
		took := time.Since(start)
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		require.True(t, ne.Timeout(), "%v", err)
		require.ErrorContains(t, err, "write made no progress")
		require.LessOrEqual(t, took, d+deadline.Slack(d)+netclose.Grace, "%v", err)
		close(stop)
		require.NoError(t, <-served)
	})
}
