package pool

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestCloseFailsWaitersCancelsDialsAndClosesConns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{MaxConnsPerHost: 2})
		g0 := startGet(p, h1Key)
		synctest.Wait()
		c0 := d.call(0).succeed(false, 1)
		require.Same(t, c0, g0.mustConn(t))
		g1 := startGet(p, h1Key) // dials
		g1.mustWait(t)
		g2 := startGet(p, h1Key) // waits for the limit
		g2.mustWait(t)

		require.NoError(t, p.Close())
		require.True(t, d.call(1).wasCanceled())
		require.True(t, c0.closed())
		for _, g := range []*pendingGet{g1, g2} {
			synctest.Wait()
			r := g.result()
			require.NotNil(t, r)
			require.ErrorIs(t, r.err, ErrClosed)
		}
		s := p.Stats()
		require.Equal(t, Stats{Dials: 2, DialErrors: 1}, s)
	})
}

func TestGetAfterCloseReturnsErrClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{})
		require.NoError(t, p.Close())
		_, _, err := p.Get(context.Background(), h1Key)
		require.ErrorIs(t, err, ErrClosed)
		require.Equal(t, 0, d.numCalls())
		require.NoError(t, p.Close(), "Close may be called twice")
	})
}

func TestConnFinishingDialAfterCloseIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var late *fakeConn
		p := New(Config{Dial: func(_ context.Context, _ Key, onChange func()) (Conn, error) {
			<-release // a dialer that does not watch its context
			late = newFakeConn(0, false, 1, onChange)
			return late, nil
		}})
		g := startGet(p, h1Key)
		g.mustWait(t)

		closed := make(chan struct{})
		go func() {
			p.Close()
			close(closed)
		}()
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("Close returned while a dial goroutine was running")
		default:
		}
		close(release)
		<-closed
		require.True(t, late.closed())
		require.ErrorIs(t, g.result().err, ErrClosed)
	})
}

func TestReleaseAfterCloseIsHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h2Dialer(2), Config{})
		c, _ := get(t, p, h2Key)
		require.NoError(t, p.Close())
		c.Release()
		require.Equal(t, Stats{Dials: 1}, p.Stats())
	})
}

// Outside a synctest bubble: real timers and goroutines must be gone too.
func TestCloseLeavesNoGoroutineBehind(t *testing.T) {
	slowKey := Key{Scheme: "http", Addr: "slow.example:80"}
	dialed := make(chan Key, 2)
	var idle *fakeConn
	p := New(Config{IdleConnTimeout: time.Minute, Dial: func(ctx context.Context, key Key, onChange func()) (Conn, error) {
		dialed <- key
		if key == slowKey {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		idle = newFakeConn(0, false, 1, onChange)
		return idle, nil
	}})
	c, _, err := p.Get(context.Background(), h1Key)
	require.NoError(t, err)
	c.Release() // idle, with the expiry timer armed
	g := startGet(p, slowKey)
	require.Equal(t, h1Key, <-dialed)
	require.Equal(t, slowKey, <-dialed)

	require.NoError(t, p.Close())
	require.ErrorIs(t, (<-g.ch).err, ErrClosed)
	require.True(t, idle.closed())
	goleak.VerifyNone(t)
}

// CloseWithError hands its cause to every conn that takes one, so that the
// exchanges it cuts short can say why; CloseIdle gives none.
func TestCloseWithErrorHandsTheCauseToConns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cause := errors.New("test: shutting down")
		p := newTestPool(t, h1Dialer(), Config{})
		idle, _ := get(t, p, h1Key)
		busy, _ := get(t, p, h1Key)
		idle.Release()
		p.CloseIdle()
		synctest.Wait()
		require.True(t, idle.closed())
		require.NoError(t, idle.closeCause(), "CloseIdle gives no cause")

		require.NoError(t, p.CloseWithError(cause))
		require.True(t, busy.closed())
		require.ErrorIs(t, busy.closeCause(), cause)
	})
}
