package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestDialRaceFreedConnWinsAndDialedConnIsKept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g0 := startGet(p, h1Key)
		synctest.Wait()
		c0 := d.call(0).succeed(false, 1)
		require.Same(t, c0, g0.mustConn(t))

		g1 := startGet(p, h1Key)
		g1.mustWait(t)
		require.Equal(t, 1, p.Stats().Dialing)

		c0.Release()
		require.Same(t, c0, g1.mustConn(t), "the freed conn comes before the dial")

		c1 := d.call(1).succeed(false, 1)
		synctest.Wait()
		require.False(t, c1.closed(), "a dial nobody waits for anymore is kept")
		s := p.Stats()
		require.Equal(t, 2, s.Conns)
		require.Equal(t, 1, s.IdleConns)

		c, info := get(t, p, h1Key)
		require.Same(t, c1, c)
		require.False(t, info.Reused)
		require.True(t, info.WasIdle)
		require.Equal(t, 2, d.numCalls())
	})
}

func TestDialedConnServesQueueHead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g0 := startGet(p, h1Key)
		g0.mustWait(t)
		g1 := startGet(p, h1Key)
		g1.mustWait(t)
		require.Equal(t, 2, d.numCalls())

		c1 := d.call(1).succeed(false, 1)
		require.Same(t, c1, g0.mustConn(t), "the head of the queue goes first")
		g1.mustWait(t)

		c0 := d.call(0).succeed(false, 1)
		require.Same(t, c0, g1.mustConn(t))
	})
}

// A waiter whose dial became useless to its starter counts on it instead of
// starting another.
func TestWaiterAdoptsDialWhoseStarterWasServed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g0 := startGet(p, h1Key)
		synctest.Wait()
		c0 := d.call(0).succeed(false, 1)
		require.Same(t, c0, g0.mustConn(t))

		g1 := startGet(p, h1Key) // starts dial 1
		g1.mustWait(t)
		c0.Release()
		require.Same(t, c0, g1.mustConn(t))

		g2 := startGet(p, h1Key)
		g2.mustWait(t)
		require.Equal(t, 2, d.numCalls(), "dial 1 is still under way and nobody counts on it")
		c1 := d.call(1).succeed(false, 1)
		require.Same(t, c1, g2.mustConn(t))
	})
}
