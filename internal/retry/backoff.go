package retry

import (
	"context"
	"errors"
	"time"
)

// Backoff is how often a request may be tried and how long it waits before
// each delayed resend. The k-th delayed resend waits a nominal
// Base·2^(k-1), at most Cap, less a random part of up to Jitter of it, so
// that clients refused together do not come back together.
//
// It is a plain value: the caller decides which resends wait (see Delay) and
// does the waiting (see Wait).
type Backoff struct {
	// Base is the nominal wait before the first delayed resend. Zero means
	// resends never wait.
	Base time.Duration
	// Cap bounds the nominal wait. Zero means no bound but Base's doubling.
	Cap time.Duration
	// MaxTries is how often one request may be tried in all, the first
	// try included. Below 1 counts as 1: no resend.
	MaxTries int
	// Jitter is the largest fraction of the nominal wait taken off at
	// random, from 0 (waits are exact) to 1 (anything from nothing to the
	// nominal wait). Values outside 0..1 are clamped.
	Jitter float64
}

// maxWait keeps the doubling from overflowing when Cap is zero.
const maxWait = time.Duration(1<<63 - 1)

// Allows reports whether a request that has been tried tries times may be
// tried again.
func (b Backoff) Allows(tries int) bool {
	return tries < max(b.MaxTries, 1)
}

// Nominal is the wait before the k-th delayed resend (k from 1) before
// jitter: Base·2^(k-1), at most Cap.
func (b Backoff) Nominal(k int) time.Duration {
	if b.Base <= 0 || k < 1 {
		return 0
	}
	limit := b.Cap
	if limit <= 0 {
		limit = maxWait
	}
	d := b.Base
	for i := 1; i < k && d < limit; i++ {
		if d > limit/2 {
			d = limit
			break
		}
		d *= 2
	}
	return min(d, limit)
}

// Delay is the wait before the k-th delayed resend, with u, a number in
// [0, 1) drawn at random, choosing where in the jitter range it falls.
func (b Backoff) Delay(k int, u float64) time.Duration {
	d := b.Nominal(k)
	j := min(max(b.Jitter, 0), 1)
	u = min(max(u, 0), 1)
	return d - time.Duration(float64(d)*j*u)
}

// Wait blocks for d, or until ctx ends or stop is closed, whichever comes
// first. It returns nil when the whole wait passed, ctx's error when ctx
// ended it, and ErrStopped when stop did.
func Wait(ctx context.Context, stop <-chan struct{}, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrStopped
	}
}

// ErrStopped is Wait's error when its stop channel was closed.
var ErrStopped = errors.New("retry: wait stopped")
