package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestWaitersServedFIFOAtMaxConnsPerHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnsPerHost: 1})
		c, _ := get(t, p, h1Key)

		var gs []*pendingGet
		for range 3 {
			g := startGet(p, h1Key)
			g.mustWait(t) // queued before the next one starts
			gs = append(gs, g)
		}
		require.Equal(t, 3, p.Stats().Waiting)

		holder := c
		for i, g := range gs {
			holder.Release()
			got := g.mustConn(t)
			require.Same(t, c, got, "waiter %d", i)
			for _, later := range gs[i+1:] {
				require.Nil(t, later.result(), "a later waiter was served before waiter %d", i)
			}
			holder = got
		}
		require.Equal(t, 1, d.numCalls(), "the limit allows one conn")
	})
}

func TestReturnedConnGoesToWaiterBeforeIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1})
		c, _ := get(t, p, h1Key)
		g := startGet(p, h1Key)
		g.mustWait(t)

		_, err := c.RoundTrip(nil)
		require.NoError(t, err)
		c.finish()

		require.Same(t, c, g.mustConn(t))
		info := g.result().info
		require.True(t, info.Reused)
		require.False(t, info.WasIdle, "the conn never went idle")
		s := p.Stats()
		require.Equal(t, 0, s.IdleConns)
		require.Equal(t, uint64(0), s.Expired)
	})
}
