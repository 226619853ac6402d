package plex

import (
	"math"

	"github.com/plexhttp/plex/pool"
)

// Defaults of the retry budget (WithRetryBudget): one resend per five
// requests, as Envoy's and Finagle's retry budgets allow, on top of a
// reserve of 100, Finagle's default reserve over its 10-second window,
// which lets a quiet origin ride out a burst of refusals.
const (
	defaultRetryBudgetRatio = 0.2
	defaultRetryBudgetBurst = 100
)

// budgetConfig holds the retry budget options; embedded in config.
type budgetConfig struct {
	budgetRatio float64
	budgetBurst int
	budgetOff   bool
}

// WithRetryBudget bounds how many failed requests to one origin
// (scheme://host:port) are sent again, so that a server failing every
// request never sees a resend storm from this Client. Each origin has a
// bucket of resend tokens: every request sent for the first time adds
// ratio tokens, every resend takes one, and the bucket holds at most burst
// (a new origin starts with a full bucket). Over any run of requests an
// origin thus sees at most burst + ratio·requests resends, whatever
// WithMaxRetries allows each request. A resend the budget refuses is not
// made: the request fails with the error of its last try, a RetryDenied
// event says so (Limit "budget"), and OriginStats and Stats count it in
// RetriesRefused; OriginStats.RetryBudgetLeft shows what the budget allows
// now. The budget fills with requests, not with time.
//
// A resend after a pooled connection was found already closed, before
// anything was written, takes no token: the server saw nothing.
//
// The default is a ratio of 0.2 and a burst of 100; a zero ratio or burst
// keeps that default. Negative values and a ratio that is not finite are
// refused. WithoutRetryBudget turns the budget off.
func WithRetryBudget(ratio float64, burst int) Option {
	return func(c *config) {
		c.budgetRatio, c.budgetBurst, c.budgetOff = ratio, burst, false
	}
}

// WithoutRetryBudget turns the retry budget off: every resend
// WithMaxRetries allows is made, however many requests to the origin
// fail. RetryDecided then reports BudgetLeft -1.
func WithoutRetryBudget() Option {
	return func(c *config) { c.budgetOff = true }
}

// validateBudget reports invalid retry budget values through bad.
func (c *config) validateBudget(bad func(format string, args ...any)) {
	if c.budgetRatio < 0 || math.IsNaN(c.budgetRatio) || math.IsInf(c.budgetRatio, 0) {
		bad("retry budget ratio %v is not a finite number of zero or more", c.budgetRatio)
	}
	if c.budgetBurst < 0 {
		bad("negative retry budget burst %d", c.budgetBurst)
	}
}

// retryBudget is the pool's form of the budget; its zero value is none.
func (c *config) retryBudget() pool.RetryBudget {
	if c.budgetOff {
		return pool.RetryBudget{}
	}
	b := pool.RetryBudget{Ratio: c.budgetRatio, Burst: c.budgetBurst}
	if b.Ratio == 0 {
		b.Ratio = defaultRetryBudgetRatio
	}
	if b.Burst == 0 {
		b.Burst = defaultRetryBudgetBurst
	}
	return b
}
