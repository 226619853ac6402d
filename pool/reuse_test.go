package pool

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReuseMostRecentlyUsedIdleConnFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{})
		c0, _ := get(t, p, h1Key)
		c1, _ := get(t, p, h1Key)
		c2, _ := get(t, p, h1Key)
		require.Equal(t, 3, d.numCalls())

		c1.Release()
		c0.Release()
		c2.Release()

		for _, want := range []*fakeConn{c2, c0, c1} {
			c, info := get(t, p, h1Key)
			require.Same(t, want, c)
			require.True(t, info.Reused)
			require.True(t, info.WasIdle)
		}
		require.Equal(t, 3, d.numCalls(), "idle conns must be reused, not dialed")
	})
}

func TestGotInfoReportsIdleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{})
		c, info := get(t, p, h1Key)
		require.Equal(t, GotInfo{Conn: 1}, info, "a fresh conn has carried nothing")
		c.Release()
		released := time.Now()

		time.Sleep(5 * time.Second)
		c2, info := get(t, p, h1Key)
		require.Same(t, c, c2)
		require.Equal(t, GotInfo{Conn: 1, Reused: true, WasIdle: true, IdleSince: released}, info)
		require.Equal(t, 5*time.Second, time.Since(info.IdleSince))
	})
}

func TestMultiplexedGetPicksLeastLoadedConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g := startGet(p, h2Key)
		synctest.Wait()
		a := d.call(0).succeed(true, 2)
		require.Same(t, a, g.mustConn(t))
		_, _ = get(t, p, h2Key) // a is now full

		g = startGet(p, h2Key)
		synctest.Wait()
		b := d.call(1).succeed(true, 3)
		require.Same(t, b, g.mustConn(t))

		a.Release()
		a.Release()
		// a has nothing in flight, b has one: a is the least loaded.
		c, info := get(t, p, h2Key)
		require.Same(t, a, c)
		require.True(t, info.WasIdle)
		_, _ = get(t, p, h2Key) // a: 2 of 2, b: 1 of 3
		c, info = get(t, p, h2Key)
		require.Same(t, b, c, "only b has a free slot")
		require.False(t, info.WasIdle)
		require.Equal(t, 2, d.numCalls())
	})
}
