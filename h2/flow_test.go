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
