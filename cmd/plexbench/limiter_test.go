package main

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiterSpacesRequestsEvenly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(10)
		start := time.Now()
		l.start(start)
		for range 5 {
			require.True(t, l.wait(t.Context()))
		}
		require.Equal(t, 400*time.Millisecond, time.Since(start), "slots 0 to 4 at 100 ms apart")
	})
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(1)
		l.start(time.Now())
		require.True(t, l.wait(t.Context()), "the first slot is now")
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		require.False(t, l.wait(ctx))
	})
}

func TestNoRateNeverWaits(t *testing.T) {
	var l *limiter
	l.start(time.Now())
	require.True(t, l.wait(t.Context()))
}
