package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestMinConnsPerHostDialsUpToTheMinimumAndSpreads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(100)
		p := newTestPool(t, d, Config{MinConnsPerHost: 3})
		c, _ := get(t, p, h2Key)
		c.Release()
		synctest.Wait()
		require.Equal(t, 3, d.numCalls(), "the first conn brings the origin to its minimum")
		require.Equal(t, 3, p.Stats().Conns)

		// Sequential requests find every conn equally loaded: they take turns.
		seen := map[*fakeConn]int{}
		for range 9 {
			c, _ := get(t, p, h2Key)
			seen[c]++
			c.Release()
		}
		require.Len(t, seen, 3)
		for _, n := range seen {
			require.Equal(t, 3, n)
		}
		// Concurrent ones go to the least loaded.
		var held []*fakeConn
		for range 3 {
			c, _ := get(t, p, h2Key)
			held = append(held, c)
		}
		require.NotSame(t, held[0], held[1])
		require.NotSame(t, held[1], held[2])
		require.NotSame(t, held[0], held[2])
		for _, c := range held {
			c.Release()
		}
		require.Equal(t, 3, d.numCalls())
	})
}

func TestMinConnsPerHostStaysWithinMaxConnsPerHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(100)
		p := newTestPool(t, d, Config{MinConnsPerHost: 5, MaxConnsPerHost: 2})
		c, _ := get(t, p, h2Key)
		c.Release()
		synctest.Wait()
		require.Equal(t, 2, d.numCalls())
	})
}

func TestWithoutMinConnsOneMultiplexedConnServes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(100)
		p := newTestPool(t, d, Config{})
		for range 5 {
			c, _ := get(t, p, h2Key)
			c.Release()
		}
		synctest.Wait()
		require.Equal(t, 1, d.numCalls())
	})
}

func TestMinConnsPerHostLeavesHTTP1Alone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MinConnsPerHost: 3})
		c, _ := get(t, p, h1Key)
		c.Release()
		synctest.Wait()
		require.Equal(t, 1, d.numCalls())
	})
}
