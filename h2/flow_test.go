package h2

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendWindowAddDetectsOverflow(t *testing.T) {
	w := newSendWindow(maxWindow - 10)
	require.True(t, w.add(10))
	require.False(t, w.add(1))
	require.Equal(t, int64(maxWindow), w.available())
}

func TestSendWindowNegativeAfterSettingsDelta(t *testing.T) {
	w := newSendWindow(100)
	w.take(80)
	require.True(t, w.add(-50))
	require.Equal(t, int64(0), w.available())
	require.True(t, w.add(40))
	require.Equal(t, int64(10), w.available())
}

func TestRecvWindowRejectsExcess(t *testing.T) {
	w := newRecvWindow(100)
	require.True(t, w.consume(60))
	require.False(t, w.consume(41))
	require.True(t, w.consume(40))
}

func TestRecvWindowBatchesCreditAtHalf(t *testing.T) {
	w := newRecvWindow(100)
	require.True(t, w.consume(100))
	require.Zero(t, w.release(30))
	require.Zero(t, w.release(19))
	require.Equal(t, uint32(50), w.release(1))
	require.Zero(t, w.release(0))
	require.Equal(t, uint32(50), w.release(50))
	require.True(t, w.consume(100), "credit returned must be usable")
	require.False(t, w.consume(1))
}

func TestRecvWindowRaiseAnnouncesDifference(t *testing.T) {
	w := newRecvWindow(initialWindow)
	require.Equal(t, uint32(1<<20-initialWindow), w.raise(1<<20))
	require.Zero(t, w.raise(1000))
	require.True(t, w.consume(1<<20))
}

func TestRecvWindowAnnouncesEarlyWhenPeerRunsLow(t *testing.T) {
	w := newRecvWindow(1 << 20)
	require.True(t, w.consume(1<<20))
	// The peer has nothing left: a frame's worth of freed credit goes out
	// although it is far below half the window.
	require.Zero(t, w.release(lowCreditFloor-1))
	require.Equal(t, uint32(lowCreditFloor), w.release(1))
	// The peer now has a frame's worth; more of the same is batched.
	require.Zero(t, w.release(lowCreditFloor-1))
}

func TestRecvWindowEnsureFlushesThenLends(t *testing.T) {
	w := newRecvWindow(100)
	require.True(t, w.consume(100))
	require.Zero(t, w.release(10)) // batched: below half and below a frame
	require.Zero(t, w.ensure(0))
	// Unannounced credit goes first, then a loan covers the rest.
	require.Equal(t, uint32(40), w.ensure(40))
	require.Equal(t, int64(30), w.lent)
	require.True(t, w.consume(40))
	require.False(t, w.consume(1))
	// Released bytes pay the loan back before they count as credit, so
	// the window settles at its size again.
	require.Zero(t, w.release(30))
	require.Zero(t, w.lent)
	require.Equal(t, uint32(100), w.release(100))
	require.Equal(t, int64(100), w.avail)
}

func TestRecvWindowEnsureNeverPassesMaximum(t *testing.T) {
	w := newRecvWindow(maxWindow)
	require.True(t, w.consume(10))
	require.Equal(t, uint32(10), w.ensure(maxWindow+5))
	require.Equal(t, int64(maxWindow), w.avail)
}
