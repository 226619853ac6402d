package main

import (
	"context"
	"sync/atomic"
	"time"
)

// limiter spaces requests evenly at a total rate shared by every worker:
// each request takes the next slot on a schedule fixed at the start, so a
// slow spell is caught up on rather than lost. A nil limiter never waits.
type limiter struct {
	interval time.Duration
	begin    time.Time // set by start, before any worker runs
	next     atomic.Int64
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / rate)}
}

func (l *limiter) start(t time.Time) {
	if l != nil {
		l.begin = t
	}
}

// wait blocks until the caller's slot; false when ctx ended first.
func (l *limiter) wait(ctx context.Context) bool {
	if l == nil {
		return true
	}
	slot := l.next.Add(1) - 1
	d := time.Until(l.begin.Add(time.Duration(slot) * l.interval))
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
