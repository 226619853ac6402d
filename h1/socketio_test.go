package h1

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
	"github.com/plexhttp/plex/internal/sockio"
)

// A cleartext TCP connection is read and written directly on its socket,
// as HTTP/2's and (beneath TLS) alpn's are, while NetConn still gives the
// *net.TCPConn that net/http's GotConnInfo gives. Other conns are used as
// they are.
func TestCleartextSocketIsReadAndWrittenDirectly(t *testing.T) {
	addr, _ := tcpServer(t, nil, serveOnce(okOK, func(net.Conn) {}))
	c := dialConn(t, addr, nil)
	require.IsType(t, &net.TCPConn{}, c.NetConn())
	require.IsType(t, &sockio.Reader{}, c.rd.src)
	require.IsType(t, &sockio.Writer{}, c.cw.dst)
	firstExchange(t, c, "http://"+addr+"/")

	cli, srv := memconn.Pipe()
	defer srv.Close()
	m := NewConn(cli, nil, ConnOptions{}, nil)
	defer m.Close()
	require.Same(t, cli, m.rd.src)
	require.Same(t, cli, m.cw.dst)
}
