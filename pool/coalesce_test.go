package pool

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestCoalesceFiftyFirstRequestsCostOneDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		gs := make([]*pendingGet, 50)
		for i := range gs {
			gs[i] = startGet(p, h2Key)
		}
		synctest.Wait()
		require.Equal(t, 1, d.numCalls())
		require.Equal(t, 50, p.Stats().Waiting)

		c := d.call(0).succeed(true, 100)
		for _, g := range gs {
			require.Same(t, c, g.mustConn(t))
		}
		require.Equal(t, 1, d.numCalls())
		require.Equal(t, 50, c.InFlight())
	})
}

func TestCoalescedOriginTurningOutH1DialsWithinLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{MaxConnsPerHost: 3})
		gs := make([]*pendingGet, 5)
		for i := range gs {
			gs[i] = startGet(p, h2Key)
			gs[i].mustWait(t)
		}
		require.Equal(t, 1, d.numCalls())

		c0 := d.call(0).succeed(false, 1)
		require.Same(t, c0, gs[0].mustConn(t))
		for _, g := range gs[1:] {
			g.mustWait(t)
		}
		require.Equal(t, 3, d.numCalls(), "an h1 origin dials per request, up to the limit")

		c1 := d.call(1).succeed(false, 1)
		require.Same(t, c1, gs[1].mustConn(t))
		c2 := d.call(2).succeed(false, 1)
		require.Same(t, c2, gs[2].mustConn(t))
		gs[3].mustWait(t)
		gs[4].mustWait(t)
		require.Equal(t, 3, d.numCalls())
	})
}

func TestCoalescedDialFailureFailsAllItsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		gs := make([]*pendingGet, 5)
		for i := range gs {
			gs[i] = startGet(p, h2Key)
		}
		synctest.Wait()
		errTLS := errors.New("tls: handshake failure")
		d.call(0).fail(errTLS)
		synctest.Wait()
		for _, g := range gs {
			r := g.result()
			require.NotNil(t, r)
			require.ErrorIs(t, r.err, errTLS)
		}
		require.Equal(t, 1, d.numCalls())
		require.Equal(t, 0, p.Stats().Waiting)
	})
}

func TestH2ConnTooSmallForCoalescedWaitersDialsOneMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		gs := make([]*pendingGet, 5)
		for i := range gs {
			gs[i] = startGet(p, h2Key)
			gs[i].mustWait(t)
		}
		c0 := d.call(0).succeed(true, 2)
		require.Same(t, c0, gs[0].mustConn(t))
		require.Same(t, c0, gs[1].mustConn(t))
		for _, g := range gs[2:] {
			g.mustWait(t)
		}
		require.Equal(t, 2, d.numCalls(), "the three left over share one more dial")

		c1 := d.call(1).succeed(true, 10)
		for _, g := range gs[2:] {
			require.Same(t, c1, g.mustConn(t))
		}
	})
}
