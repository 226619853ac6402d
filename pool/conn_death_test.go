package pool

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

var errGoAway = errors.New("fake: going away")

func TestDyingConnWithWaiterIsReplacedOnceDrained(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnsPerHost: 1})
		c, _ := get(t, p, h1Key)
		_, err := c.RoundTrip(nil)
		require.NoError(t, err)
		g := startGet(p, h1Key)
		g.mustWait(t)

		c.die(errGoAway)
		g.mustWait(t)
		require.Equal(t, 1, d.numCalls(), "a conn with a request in flight still counts")
		require.False(t, c.closed())

		c.finish()
		fresh := g.mustConn(t)
		require.NotSame(t, c, fresh)
		require.True(t, c.closed(), "a dead conn is closed once it has nothing in flight")
		require.Equal(t, 2, d.numCalls())
		require.Equal(t, 1, p.Stats().Conns)
	})
}

func TestDeadIdleConnIsClosedAndNotHandedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{})
		c, _ := get(t, p, h1Key)
		c.Release()
		c.die(errGoAway)
		synctest.Wait()
		require.True(t, c.closed())
		require.Equal(t, 0, p.Stats().Conns)

		c2, info := get(t, p, h1Key)
		require.NotSame(t, c, c2)
		require.False(t, info.Reused)
	})
}

func TestStrictDialsWhenMultiplexedConnGoesAway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(1)
		p := newTestPool(t, d, Config{StrictMaxConcurrentStreams: true})
		c, _ := get(t, p, h2Key)
		g := startGet(p, h2Key)
		g.mustWait(t)
		require.Equal(t, 1, d.numCalls())

		c.die(errGoAway)
		fresh := g.mustConn(t)
		require.NotSame(t, c, fresh)
		require.Equal(t, 2, d.numCalls())
		require.False(t, c.closed(), "its stream is still in flight")
		c.Release()
		synctest.Wait()
		require.True(t, c.closed())
	})
}

func TestConnDeadRightAfterDialFailsItsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g := startGet(p, h1Key)
		synctest.Wait()
		c := newFakeConn(0, false, 1, d.call(0).onChange)
		c.err = errGoAway
		d.call(0).reply <- dialReply{c: c}
		synctest.Wait()
		r := g.result()
		require.NotNil(t, r)
		require.ErrorIs(t, r.err, errGoAway)
		require.ErrorContains(t, r.err, "pool: connection to h1.example:80 unusable right after dialing")
		require.True(t, c.closed())
		require.Equal(t, 1, d.numCalls(), "no dial loop")
		require.Equal(t, uint64(1), p.Stats().DialErrors)
	})
}
