package pool

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCanceledWaiterLeavesQueueWithoutReservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnsPerHost: 1})
		c, _ := get(t, p, h1Key)
		g := startGet(p, h1Key)
		g.mustWait(t)

		g.cancel()
		synctest.Wait()
		r := g.result()
		require.NotNil(t, r)
		require.ErrorIs(t, r.err, context.Canceled)
		require.Equal(t, 0, p.Stats().Waiting)

		c.Release()
		require.Equal(t, 0, c.InFlight(), "nobody may hold a slot for the canceled waiter")
		s := p.Stats()
		require.Equal(t, 1, s.IdleConns)
		require.Equal(t, 0, s.InFlight)
		require.Equal(t, 1, d.numCalls())
	})
}

func TestWaitDeadlineErrorMatchesContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{MaxConnsPerHost: 1})
		_, _ = get(t, p, h1Key)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := p.Get(ctx, h1Key)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, ctx.Err())
		require.Equal(t, time.Second, time.Since(start))
	})
}

func TestGetWithDoneContextDoesNotDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := p.Get(ctx, h1Key)
		require.ErrorIs(t, err, context.Canceled)
		synctest.Wait()
		require.Equal(t, 0, d.numCalls())
	})
}

// A conn handed over at the moment the waiter's context ends must not be
// lost: either the Get returns it, or the slot is given back.
func TestCancelRacingHandoffKeepsNoReservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{MaxConnsPerHost: 1})
		c, _ := get(t, p, h1Key)
		for range 50 {
			g := startGet(p, h1Key)
			g.mustWait(t)
			g.cancel()
			c.Release()
			synctest.Wait()
			r := g.result()
			require.NotNil(t, r)
			if r.err != nil {
				require.True(t, errors.Is(r.err, context.Canceled))
				require.Equal(t, 0, c.InFlight())
				c, _ = get(t, p, h1Key)
			} else {
				require.Same(t, c, r.c)
			}
			require.Equal(t, 1, c.InFlight())
			require.Equal(t, 0, p.Stats().Waiting)
		}
	})
}
