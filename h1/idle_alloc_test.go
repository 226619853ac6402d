package h1

import (
	"bufio"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The idle check on a TLS connection reads through the TLS layer with a
// deadline already past. What that read allocates belongs to crypto/tls and
// net; telling its timeout apart must add nothing, as it runs on every
// reuse of a TLS connection.
func TestTLSIdleCheckAllocatesNoMoreThanTheTLSRead(t *testing.T) {
	srvCfg, cliCfg := tlsConfigs(t, true)
	addr, _ := tcpServer(t, srvCfg, func(nc net.Conn, br *bufio.Reader) {
		_, _ = br.ReadByte() // hold the connection open until the client closes it
	})
	c := dialConn(t, addr, cliCfg)
	tc := c.nc.(*tls.Conn)
	require.NoError(t, tc.Handshake())
	require.NoError(t, c.checkIdle(), "a quiet connection passes")

	var buf [1]byte
	bare := testing.AllocsPerRun(50, func() {
		_ = tc.SetReadDeadline(time.Unix(1, 0))
		_, _ = tc.Read(buf[:])
		_ = tc.SetReadDeadline(time.Time{})
	})
	check := testing.AllocsPerRun(50, func() {
		if err := c.probeTLS(0); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, check, bare, "allocations of the TLS-layer idle check beyond the TLS read itself")
}
