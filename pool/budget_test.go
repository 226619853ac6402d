package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// requestOnce does one first try on key's h2 conn, whose dial the first
// call completes.
func requestOnce(t *testing.T, p *Pool, d *fakeDialer, key Key) {
	t.Helper()
	g := startGet(p, key)
	synctest.Wait()
	if r := g.result(); r == nil {
		d.call(d.numCalls()-1).succeed(true, 100)
	}
	g.mustConn(t).Release()
}

func TestRetryBudgetStartsFullAndEarnsRatioPerRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{RetryBudget: RetryBudget{Ratio: 0.25, Burst: 3}})
		requestOnce(t, p, d, h2Key)
		for want := 2; want >= 0; want-- {
			ok, left := p.SpendRetry(h2Key)
			require.True(t, ok)
			require.Equal(t, want, left)
		}
		ok, left := p.SpendRetry(h2Key)
		require.False(t, ok, "the burst is spent")
		require.Zero(t, left)

		// Four first tries earn one resend; resends themselves earn none.
		for range 3 {
			requestOnce(t, p, d, h2Key)
		}
		ok, _ = p.SpendRetry(h2Key)
		require.False(t, ok, "three requests earn 0.75 of a resend")
		p.NoteRetry(h2Key)
		requestOnce(t, p, d, h2Key) // the resend's own Get
		ok, _ = p.SpendRetry(h2Key)
		require.False(t, ok, "a resend earns nothing")
		requestOnce(t, p, d, h2Key)
		ok, left = p.SpendRetry(h2Key)
		require.True(t, ok, "the fourth first try completes a token")
		require.Zero(t, left)

		st := p.OriginStats()
		require.Len(t, st, 1)
		require.Equal(t, uint64(3), st[0].RetriesRefused)
		require.Zero(t, st[0].RetryBudgetLeft)
		require.Equal(t, uint64(3), p.Stats().RetriesRefused)

		// Another origin has a budget of its own.
		other := Key{Scheme: "https", Addr: "other.example:443", MayMultiplex: true}
		requestOnce(t, p, d, other)
		ok, left = p.SpendRetry(other)
		require.True(t, ok)
		require.Equal(t, 2, left)
	})
}

func TestRetryBudgetHoldsAtMostBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{RetryBudget: RetryBudget{Ratio: 1, Burst: 2}})
		for range 10 {
			requestOnce(t, p, d, h2Key)
		}
		require.Equal(t, 2, p.OriginStats()[0].RetryBudgetLeft)
		for range 2 {
			ok, _ := p.SpendRetry(h2Key)
			require.True(t, ok)
		}
		ok, _ := p.SpendRetry(h2Key)
		require.False(t, ok, "ten quiet requests did not store ten resends")
	})
}

func TestNoRetryBudgetAllowsEveryResend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		requestOnce(t, p, d, h2Key)
		for range 100 {
			ok, left := p.SpendRetry(h2Key)
			require.True(t, ok)
			require.Equal(t, -1, left)
		}
		require.Equal(t, -1, p.OriginStats()[0].RetryBudgetLeft)
		require.Zero(t, p.Stats().RetriesRefused)
	})
}
