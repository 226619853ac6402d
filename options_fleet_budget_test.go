package plex

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/pool"
)

func budgetOf(opts ...Option) pool.RetryBudget {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return cfg.retryBudget()
}

func TestRetryBudgetOptions(t *testing.T) {
	require.Equal(t, pool.RetryBudget{Ratio: 0.2, Burst: 100}, budgetOf(), "the default")
	require.Equal(t, pool.RetryBudget{Ratio: 0.2, Burst: 100}, budgetOf(WithRetryBudget(0, 0)), "zero keeps the default")
	require.Equal(t, pool.RetryBudget{Ratio: 0.5, Burst: 100}, budgetOf(WithRetryBudget(0.5, 0)))
	require.Equal(t, pool.RetryBudget{Ratio: 0.2, Burst: 7}, budgetOf(WithRetryBudget(0, 7)))
	require.Equal(t, pool.RetryBudget{}, budgetOf(WithoutRetryBudget()), "no limit")
	require.Equal(t, pool.RetryBudget{Ratio: 0.1, Burst: 5}, budgetOf(WithoutRetryBudget(), WithRetryBudget(0.1, 5)), "the later option wins")

	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithRetryBudget(-0.1, 0), "plex: retry budget ratio -0.1 is not a finite number of zero or more"},
		{WithRetryBudget(math.NaN(), 0), "plex: retry budget ratio NaN is not a finite number of zero or more"},
		{WithRetryBudget(math.Inf(1), 0), "plex: retry budget ratio +Inf is not a finite number of zero or more"},
		{WithRetryBudget(0, -1), "plex: negative retry budget burst -1"},
	} {
		_, err := New(tc.opt)
		require.EqualError(t, err, tc.want)
	}
}
