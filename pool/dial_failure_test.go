package pool

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestDialFailureFailsExactlyItsWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{MaxConnsPerHost: 2})
		g0 := startGet(p, h1Key)
		g0.mustWait(t)
		g1 := startGet(p, h1Key)
		g1.mustWait(t)
		g2 := startGet(p, h1Key)
		g2.mustWait(t)
		require.Equal(t, 2, d.numCalls(), "the third waits for the limit")

		errRefused := errors.New("connection refused")
		d.call(0).fail(errRefused)
		synctest.Wait()
		r := g0.result()
		require.NotNil(t, r)
		require.ErrorIs(t, r.err, errRefused)
		g1.mustWait(t)
		g2.mustWait(t)
		require.Equal(t, 3, d.numCalls(), "the freed room in the limit goes to a new dial")

		c1 := d.call(1).succeed(false, 1)
		require.Same(t, c1, g1.mustConn(t))
		c2 := d.call(2).succeed(false, 1)
		require.Same(t, c2, g2.mustConn(t))

		s := p.Stats()
		require.Equal(t, uint64(3), s.Dials)
		require.Equal(t, uint64(1), s.DialErrors)
	})
}

func TestDialReturningNothingIsAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{auto: func(int, func()) (Conn, error) { return nil, nil }}
		p := newTestPool(t, d, Config{})
		_, _, err := p.Get(t.Context(), h1Key)
		require.ErrorContains(t, err, "pool: dial returned neither a connection nor an error")
	})
}

func TestNilDialFuncFailsGet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(Config{})
		defer p.Close()
		_, _, err := p.Get(t.Context(), h1Key)
		require.ErrorContains(t, err, "pool: no dial function configured")
	})
}
