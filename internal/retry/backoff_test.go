package retry

import (
	"context"
	"math/rand/v2"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNominalDoublesUpToCap(t *testing.T) {
	b := Backoff{Base: 50 * time.Millisecond, Cap: time.Second}
	var got []time.Duration
	for k := 1; k <= 7; k++ {
		got = append(got, b.Nominal(k))
	}
	ms := time.Millisecond
	require.Equal(t, []time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}, got)
	require.Zero(t, b.Nominal(0))
}

func TestNominalWithoutCapNeverOverflows(t *testing.T) {
	b := Backoff{Base: time.Hour}
	prev := time.Duration(0)
	for k := 1; k <= 200; k++ {
		d := b.Nominal(k)
		require.GreaterOrEqual(t, d, prev, "k=%d", k)
		prev = d
	}
	require.Equal(t, maxWait, prev)
}

func TestZeroBaseNeverWaits(t *testing.T) {
	b := Backoff{Cap: time.Second, Jitter: 0.5}
	for k := 1; k <= 5; k++ {
		require.Zero(t, b.Delay(k, 0.3))
	}
}

func TestDelayStaysInItsJitterBand(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Cap: 2 * time.Second, Jitter: 0.5}
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 1; k <= 8; k++ {
		nom := b.Nominal(k)
		require.Equal(t, nom, b.Delay(k, 0))
		require.Equal(t, nom/2, b.Delay(k, 1))
		for range 100 {
			d := b.Delay(k, rng.Float64())
			require.GreaterOrEqual(t, d, nom/2)
			require.LessOrEqual(t, d, nom)
		}
	}
	require.Equal(t, 100*time.Millisecond, Backoff{Base: 100 * time.Millisecond, Jitter: -1}.Delay(1, 0.9), "negative jitter is none")
	require.Zero(t, Backoff{Base: 100 * time.Millisecond, Jitter: 7}.Delay(1, 1), "jitter above 1 is 1")
}

func TestAllowsBoundsTries(t *testing.T) {
	b := Backoff{MaxTries: 3}
	require.True(t, b.Allows(1))
	require.True(t, b.Allows(2))
	require.False(t, b.Allows(3))
	require.False(t, Backoff{}.Allows(1), "no tries configured means no resend")
}

// Under synctest the clock is virtual: the waits are exact, grow with k
// and differ from their nominal value by the jitter drawn.
func TestWaitSleepsTheJitteredDelays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := Backoff{Base: 100 * time.Millisecond, Cap: 10 * time.Second, Jitter: 0.5}
		rng := rand.New(rand.NewPCG(3, 4))
		var waited []time.Duration
		for k := 1; k <= 5; k++ {
			start := time.Now()
			require.NoError(t, Wait(context.Background(), nil, b.Delay(k, rng.Float64())))
			waited = append(waited, time.Since(start))
		}
		jittered := false
		for i, d := range waited {
			nom := b.Nominal(i + 1)
			require.GreaterOrEqual(t, d, nom/2, "wait %d", i+1)
			require.LessOrEqual(t, d, nom, "wait %d", i+1)
			jittered = jittered || d != nom
			if i > 0 {
				require.Greater(t, d, waited[i-1]/2, "waits grow with k")
				require.GreaterOrEqual(t, nom, 2*b.Nominal(i))
			}
		}
		require.True(t, jittered, "waits %v are all nominal", waited)
	})
}

func TestWaitEndsAtOnceWhenContextIsCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		err := Wait(ctx, nil, time.Hour)
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, time.Second, time.Since(start))

		start = time.Now()
		require.ErrorIs(t, Wait(ctx, nil, time.Hour), context.Canceled, "an ended context does not wait at all")
		require.Zero(t, time.Since(start))
	})
}

func TestWaitEndsWhenStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := make(chan struct{})
		time.AfterFunc(2*time.Second, func() { close(stop) })
		start := time.Now()
		require.ErrorIs(t, Wait(context.Background(), stop, time.Hour), ErrStopped)
		require.Equal(t, 2*time.Second, time.Since(start))
	})
}
