package h1

import (
	"bufio"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/plexhttp/plex/internal/sockio"
	"github.com/stretchr/testify/require"
)

// The idle check on a TLS connection reads through the TLS layer with a
// deadline already past. What that read allocates belongs to crypto/tls and
// net; the idle check must add nothing to it, as it runs on every reuse of
// a TLS connection. The connection checked is dialed as alpn dials one, with
// its socket read through sockio beneath TLS; the read it is compared with
// is a bare tls.Conn's over a bare socket, so that what either adds counts.
func TestTLSIdleCheckAllocatesNoMoreThanTheTLSRead(t *testing.T) {
	srvCfg, cliCfg := tlsConfigs(t, true)
	hold := func(nc net.Conn, br *bufio.Reader) {
		_, _ = br.ReadByte() // hold the connection open until the client closes it
	}
	addr, _ := tcpServer(t, srvCfg, hold)
	raw, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	wrapped := sockio.Wrap(raw)
	require.IsType(t, &sockio.Conn{}, wrapped)
	tc := tls.Client(wrapped, cliCfg)
	require.NoError(t, tc.Handshake())
	c := NewConn(tc, nil, ConnOptions{}, nil)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.checkIdle(), "a quiet connection passes")

	bareAddr, _ := tcpServer(t, srvCfg, hold)
	bare := dialConn(t, bareAddr, cliCfg).nc.(*tls.Conn)
	var buf [1]byte
	read := testing.AllocsPerRun(50, func() {
		_ = bare.SetReadDeadline(time.Unix(1, 0))
		_, _ = bare.Read(buf[:])
		_ = bare.SetReadDeadline(time.Time{})
	})
	check := testing.AllocsPerRun(50, func() {
		if err := c.probeTLS(0); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, check, read, "allocations of the TLS-layer idle check beyond a bare TLS read")
}
