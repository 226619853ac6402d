package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestStrictWaitsForSlotOnFullMultiplexedConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(1)
		p := newTestPool(t, d, Config{StrictMaxConcurrentStreams: true})
		c, _ := get(t, p, h2Key)
		_, err := c.RoundTrip(nil)
		require.NoError(t, err)

		g := startGet(p, h2Key)
		g.mustWait(t)
		require.Equal(t, 1, d.numCalls(), "strict mode does not dial while a usable conn exists")

		c.finish()
		require.Same(t, c, g.mustConn(t))
		require.Equal(t, 1, d.numCalls())
	})
}

func TestDefaultDialsAnotherConnWhenMultiplexedConnsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(1)
		p := newTestPool(t, d, Config{})
		c0, _ := get(t, p, h2Key)
		c1, _ := get(t, p, h2Key)
		require.NotSame(t, c0, c1)
		require.Equal(t, 2, d.numCalls())
		s := p.Stats()
		require.Equal(t, 2, s.MultiplexedConns)
		require.Equal(t, 2, s.InFlight)
	})
}

func TestDefaultDialsOneAtATimeWhenMultiplexedConnsFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g := startGet(p, h2Key)
		synctest.Wait()
		d.call(0).succeed(true, 1)
		g.mustConn(t)

		gs := make([]*pendingGet, 3)
		for i := range gs {
			gs[i] = startGet(p, h2Key)
		}
		synctest.Wait()
		require.Equal(t, 2, d.numCalls())
		c1 := d.call(1).succeed(true, 1)
		synctest.Wait()
		require.Equal(t, 3, d.numCalls(), "the next dial starts once the previous one is done")
		served := 0
		for _, g := range gs {
			if r := g.result(); r != nil {
				require.Same(t, c1, r.c)
				served++
			}
		}
		require.Equal(t, 1, served)
	})
}

func TestDefaultStopsDialingAtMaxConnsPerHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(1)
		p := newTestPool(t, d, Config{MaxConnsPerHost: 2})
		c0, _ := get(t, p, h2Key)
		_, _ = get(t, p, h2Key)
		g := startGet(p, h2Key)
		g.mustWait(t)
		require.Equal(t, 2, d.numCalls())
		c0.Release()
		require.Same(t, c0, g.mustConn(t))
	})
}

func TestDefaultWaitsForConnWithZeroStreamLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g := startGet(p, h2Key)
		synctest.Wait()
		c := d.call(0).succeed(true, 0) // SETTINGS_MAX_CONCURRENT_STREAMS = 0
		g.mustWait(t)
		require.Equal(t, 1, d.numCalls(), "a conn waiting for SETTINGS is not a full one")

		c.setLimit(1)
		require.Same(t, c, g.mustConn(t))
	})
}
