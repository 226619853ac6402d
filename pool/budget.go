package pool

import "math"

// RetryBudget bounds how many failed requests an origin may have sent
// again, so that a server failing every request never sees a resend storm.
// It is a bucket of resend tokens per origin: each request sent for the
// first time earns Ratio tokens, each resend spends one, and the bucket
// holds at most Burst. Over any stretch of traffic an origin thus gets at
// most Burst + Ratio·requests resends, and a new or quiet origin starts
// with a full bucket. The bucket fills with requests, not with time, so
// no timer runs and tests need no clock.
//
// The zero value has no limit.
type RetryBudget struct {
	// Ratio is the tokens each first try earns: 0.2 allows one resend per
	// five requests. Zero or less earns none.
	Ratio float64
	// Burst is the most tokens the bucket holds, at least 1. Zero or
	// less, with a zero Ratio, means no budget at all.
	Burst int
}

func (b RetryBudget) limited() bool { return b.Ratio > 0 || b.Burst > 0 }

func (b RetryBudget) capacity() float64 { return float64(max(b.Burst, 1)) }

// bucket is one origin's token count; guarded by Pool.mu, as part of the
// origin's counters.
type bucket struct {
	started  bool
	tokens   float64
	credited uint64 // first tries already turned into tokens
}

// fill credits the first tries made since the last look: every Get that was
// not a resend (counted by NoteRetry) is one.
func (b *bucket) fill(c *counters, cfg RetryBudget) {
	first := c.gets - c.retries
	if !b.started {
		b.started, b.tokens = true, cfg.capacity()
	} else if first > b.credited {
		b.tokens += cfg.Ratio * float64(first-b.credited)
	}
	b.credited = max(b.credited, first)
	b.tokens = min(b.tokens, cfg.capacity())
}

// left is the number of whole resends the bucket allows now.
func (b *bucket) left() int { return int(math.Floor(b.tokens)) }

// SpendRetry asks the retry budget of key's origin for one resend. It takes
// a token and returns true when one is there; otherwise it counts a refusal
// and returns false. left is the number of resends the budget still allows
// after this call, -1 when the pool has no budget.
func (p *Pool) SpendRetry(key Key) (ok bool, left int) {
	cfg := p.cfg.RetryBudget
	if !cfg.limited() {
		return true, -1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.origins[originOf(key)]
	if c == nil {
		// The origin was never asked for a connection: nothing to resend.
		return false, 0
	}
	c.budget.fill(c, cfg)
	if c.budget.tokens < 1 {
		c.budgetRefused++
		return false, c.budget.left()
	}
	c.budget.tokens--
	return true, c.budget.left()
}

// budgetLeftLocked is what SpendRetry would report as left for c now,
// without changing it.
func (p *Pool) budgetLeftLocked(c *counters) int {
	cfg := p.cfg.RetryBudget
	if !cfg.limited() {
		return -1
	}
	b := c.budget
	b.fill(c, cfg)
	return b.left()
}
