package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestGrowingSlotLimitServesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(1)
		p := newTestPool(t, d, Config{StrictMaxConcurrentStreams: true})
		c, _ := get(t, p, h2Key)
		g0 := startGet(p, h2Key)
		g0.mustWait(t)
		g1 := startGet(p, h2Key)
		g1.mustWait(t)

		c.setLimit(3) // the peer raised SETTINGS_MAX_CONCURRENT_STREAMS
		require.Same(t, c, g0.mustConn(t))
		require.Same(t, c, g1.mustConn(t))
		require.Equal(t, 3, c.InFlight())
		require.Equal(t, 1, d.numCalls())
	})
}

func TestShrinkingSlotLimitMakesGetWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(2)
		p := newTestPool(t, d, Config{StrictMaxConcurrentStreams: true})
		c, _ := get(t, p, h2Key)
		c.setLimit(1)
		g := startGet(p, h2Key)
		g.mustWait(t)
		c.Release()
		require.Same(t, c, g.mustConn(t))
	})
}
