package pool

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestStatsFigures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{MaxConnsPerHost: 2})
		dialOne := func(key Key, mux bool, slots int) *fakeConn {
			g := startGet(p, key)
			synctest.Wait()
			c := d.call(d.numCalls()-1).succeed(mux, slots)
			require.Same(t, c, g.mustConn(t))
			return c
		}
		dialOne(h1Key, false, 1) // stays in use
		idle := dialOne(h1Key, false, 1)
		idle.Release()
		c, _ := get(t, p, h1Key) // reuse of idle
		c.Release()

		dialOne(h2Key, true, 10)
		_, _ = get(t, p, h2Key) // a second stream on the same conn
		idleH2 := dialOne(Key{Scheme: "https", Addr: "idle.example:443", MayMultiplex: true}, true, 10)
		idleH2.Release()

		again := startGet(p, h1Key)
		require.Same(t, idle, again.mustConn(t))
		queued := startGet(p, h1Key) // the limit of 2 is reached
		queued.mustWait(t)

		failing := startGet(p, Key{Scheme: "http", Addr: "down.example:80"})
		synctest.Wait()
		d.call(d.numCalls() - 1).fail(errors.New("no route to host"))
		synctest.Wait()
		require.Error(t, failing.result().err)
		dialing := startGet(p, Key{Scheme: "http", Addr: "slow.example:80"})
		dialing.mustWait(t)

		require.Equal(t, Stats{
			Conns:                4, // two h1 in use, two h2
			IdleConns:            1,
			MultiplexedConns:     2,
			IdleMultiplexedConns: 1,
			Dialing:              1,
			InFlight:             1 + 1 + 2,
			Waiting:              2,
			Dials:                5,
			DialErrors:           1,
			Reuses:               3,
			Expired:              0,
		}, p.Stats())
	})
}
