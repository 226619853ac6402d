package h2

import (
	"bytes"
	"crypto/tls"
	"errors"
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

// Over TLS, a connection closed for a stalled write must not wait for
// crypto/tls to send close_notify into the send buffer the peer stopped
// draining (it gives that write 5s): the read loop, and so Close, would
// wait as long. HTTP/1.1 has the same bound (h1's
// TestStalledTLSWriteFailsWithinTheSlack).
func TestStalledTLSWriteClosesWithinTheSlack(t *testing.T) {
	// Valid for synctest's clock, which starts in 2000.
	certs, err := testcert.NewValidity(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	synctest.Test(t, func(t *testing.T) {
		const d = time.Second
		cli, srv := memconn.NewPipe(memconn.Options{MaxBuffered: 16 << 10})
		stop := make(chan struct{})
		served := make(chan error, 1)
		go func() {
			// The server finishes the handshake and then reads nothing.
			err := tls.Server(srv, certs.ServerTLS()).HandshakeContext(t.Context())
			<-stop
			srv.Close()
			served <- err
		}()
		cfg := certs.ClientTLS()
		cfg.ServerName = "localhost"
		tc := tls.Client(cli, cfg)
		require.NoError(t, tc.HandshakeContext(t.Context()))
		cc, err := NewClientConn(tc, &Config{WriteByteTimeout: d}, nil, nil)
		require.NoError(t, err)

		start := time.Now()
		_, err = cc.RoundTrip(post(t, "https://localhost/", bytes.Repeat([]byte("z"), 60000)))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "got %v", err)
		require.ErrorContains(t, err, "write made no progress")
		require.NoError(t, cc.Close())
		took := time.Since(start)
		require.LessOrEqual(t, took, d+deadline.Slack(d)+netclose.Grace, "%v", err)
		close(stop)
		require.NoError(t, <-served)
	})
}
