package netshape

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// exchange writes out to c, half-closes it, and meanwhile reads c to its
// end, returning what it read.
func exchange(c *net.TCPConn, out []byte) ([]byte, error) {
	var werr error
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, werr = c.Write(out); werr == nil {
			werr = c.CloseWrite()
		}
	})
	in, rerr := io.ReadAll(c)
	wg.Wait()
	if werr != nil {
		return in, werr
	}
	return in, rerr
}

func TestBytesArriveIntactBothWays(t *testing.T) {
	for _, link := range []Link{
		{Delay: 2 * time.Millisecond},
		{Delay: 2 * time.Millisecond, BitsPerSecond: 2e9, QueueBytes: 100 << 10},
		{}, // no delay, no rate: only the proxy's buffering
	} {
		up, down := make([]byte, 8<<20+1), make([]byte, 6<<20+3)
		rand.Read(up)
		rand.Read(down)
		type got struct {
			b   []byte
			err error
		}
		atUpstream := make(chan got, 1)
		u := startUpstream(t, func(c *net.TCPConn) {
			b, err := exchange(c, down)
			atUpstream <- got{b, err}
		})
		p := startProxy(t, u.addr(), link)
		atClient, err := exchange(dial(t, p), up)
		require.NoError(t, err, "%+v", link)
		require.True(t, bytes.Equal(down, atClient), "%+v: upstream to client: %d bytes, want %d", link, len(atClient), len(down))
		var g got
		select {
		case g = <-atUpstream:
		case <-time.After(testDeadline):
			t.Fatal("upstream never finished")
		}
		require.NoError(t, g.err)
		require.True(t, bytes.Equal(up, g.b), "%+v: client to upstream: %d bytes, want %d", link, len(g.b), len(up))
		require.LessOrEqual(t, p.PeakHeld(), link.Limit())
	}
}

func TestHalfCloseReachesTheOtherSideWhichCanStillAnswer(t *testing.T) {
	u := startUpstream(t, func(c *net.TCPConn) {
		b, err := io.ReadAll(c) // ends only on the client's half-close
		if err != nil {
			return
		}
		c.Write(append([]byte("got "), b...))
		c.Close()
	})
	p := startProxy(t, u.addr(), Link{Delay: 5 * time.Millisecond})
	c := dial(t, p)
	_, err := c.Write([]byte("ping"))
	require.NoError(t, err)
	require.NoError(t, c.CloseWrite())
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, "got ping", string(b))
}
