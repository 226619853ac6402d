package netshape

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// These are lower bounds: the link may deliver later on a loaded machine,
// never earlier, so they hold whatever the load.

func TestOneByteRoundTripTakesAtLeastTheRoundTripTime(t *testing.T) {
	u := startUpstream(t, func(c *net.TCPConn) { io.Copy(c, c) })
	for _, link := range []Link{
		{Delay: 20 * time.Millisecond},
		{Delay: 15 * time.Millisecond, BitsPerSecond: 1e9},
	} {
		p := startProxy(t, u.addr(), link)
		c := dial(t, p)
		var b [1]byte
		for i := range 5 {
			start := time.Now()
			_, err := c.Write([]byte{byte(i)})
			require.NoError(t, err)
			_, err = io.ReadFull(c, b[:])
			require.NoError(t, err)
			require.Equal(t, byte(i), b[0])
			require.GreaterOrEqual(t, time.Since(start), 2*link.Delay, "round trip %d through %+v", i, link)
		}
	}
}

// Whichever way the bytes go, n bytes cannot all arrive before the link
// has serialised them behind the first and carried the last across.
func TestRateLimitsHowSoonTheLastByteArrives(t *testing.T) {
	const n = 1 << 20
	link := Link{Delay: 5 * time.Millisecond, BitsPerSecond: 40e6} // 5 MB/s: n takes 210 ms
	floor := time.Duration(n*8*float64(time.Second)/float64(link.BitsPerSecond)) + link.Delay
	payload := make([]byte, n)

	t.Run("client to upstream", func(t *testing.T) {
		done := make(chan time.Time, 1)
		u := startUpstream(t, func(c *net.TCPConn) {
			if _, err := io.ReadFull(c, make([]byte, n)); err == nil {
				done <- time.Now()
			}
		})
		c := dial(t, startProxy(t, u.addr(), link))
		start := time.Now()
		_, err := c.Write(payload)
		require.NoError(t, err)
		select {
		case end := <-done:
			require.GreaterOrEqual(t, end.Sub(start), floor)
		case <-time.After(testDeadline):
			t.Fatal("upstream never got the payload")
		}
	})
	t.Run("upstream to client", func(t *testing.T) {
		sent := make(chan time.Time, 1)
		u := startUpstream(t, func(c *net.TCPConn) {
			sent <- time.Now()
			c.Write(payload)
		})
		c := dial(t, startProxy(t, u.addr(), link))
		_, err := io.ReadFull(c, make([]byte, n))
		require.NoError(t, err)
		end := time.Now()
		require.GreaterOrEqual(t, end.Sub(<-sent), floor)
	})
}
