package plex_test

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A dial that times out is the dial's *net.OpError with Timeout true, as
// with net/http's net.Dialer.Timeout. The listener's accept queue is kept
// full (backlog 0, one connection never accepted), so the kernel drops
// further SYNs and a connect hangs without any traffic leaving loopback.
func TestDialTimeoutIsNetHTTPs(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	defer syscall.Close(fd)
	require.NoError(t, syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	require.NoError(t, syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	require.NoError(t, err)
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	full := false
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			var ne net.Error
			require.ErrorAs(t, err, &ne)
			require.True(t, ne.Timeout(), "filling the queue: %v", err)
			full = true
			break
		}
		defer c.Close()
	}
	require.True(t, full, "the accept queue never filled")
	runDialCase(t, dialCase{url: "http://" + addr + "/", dialLimit: 100 * time.Millisecond, sameType: true,
		check: func(t *testing.T, err error) {
			var oe *net.OpError
			require.ErrorAs(t, err, &oe)
			require.True(t, oe.Timeout())
		}})
}
