package h2

import (
	"context"
	"errors"
	"testing"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestStreamLimitBeforeFirstSettings(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarnessNoHandshake(t, nil)
		require.Equal(t, defaultStreamLimit, h.cc.Available())
	})
}

func TestMaxConcurrentStreamsResizesSlots(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 2})
		require.Equal(t, 2, h.cc.Available())
		before := h.changes.Load()
		h.p.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 5})
		h.p.WantSettingsAck()
		h.p.WantIdle()
		require.Equal(t, 5, h.cc.Available())
		require.Greater(t, h.changes.Load(), before)
	})
}

func TestAbsentStreamLimitDefaults(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		require.Equal(t, absentStreamLimit, h.cc.Available())
	})
}

func TestReserveAndRelease(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		require.True(t, h.cc.Reserve())
		require.False(t, h.cc.Reserve())
		require.Equal(t, 0, h.cc.Available())
		require.Equal(t, 1, h.cc.InFlight())
		require.True(t, h.cc.IdleSince().IsZero())
		before := h.changes.Load()
		h.cc.Release()
		require.Equal(t, 1, h.cc.Available())
		require.Equal(t, 0, h.cc.InFlight())
		require.False(t, h.cc.IdleSince().IsZero())
		require.Equal(t, before+1, h.changes.Load())
		h.p.WantIdle()
	})
}

func TestRoundTripUsesReservedSlot(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		require.True(t, h.cc.Reserve())
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		require.Equal(t, 1, h.cc.InFlight())
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		require.Equal(t, 1, h.cc.Available())
		h.p.WantIdle()
	})
}

func TestRoundTripWaitsForOpenSlot(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		ch1 := h.roundTrip(get(t, "https://example.com/1"))
		id1 := h.p.WantHeaders(nil)
		ch2 := h.roundTrip(get(t, "https://example.com/2"))
		h.p.WantIdle()
		h.wantPending(ch2)
		h.p.WriteHeaders(id1, true, ":status", "200")
		require.NoError(t, h.result(ch1).err)
		id2 := h.p.WantHeaders(nil)
		require.Equal(t, uint32(3), id2)
		h.p.WriteHeaders(id2, true, ":status", "200")
		require.NoError(t, h.result(ch2).err)
		h.p.WantIdle()
	})
}

func TestSlotWaitHonoursContext(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		ch1 := h.roundTrip(get(t, "https://example.com/1"))
		id1 := h.p.WantHeaders(nil)
		ctx, cancel := context.WithCancel(context.Background())
		ch2 := h.roundTrip(getCtx(t, ctx, "https://example.com/2"))
		h.wantPending(ch2)
		cancel()
		r := h.result(ch2)
		require.ErrorIs(t, r.err, context.Canceled)
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r.err))
		h.p.WriteHeaders(id1, true, ":status", "200")
		require.NoError(t, h.result(ch1).err)
		require.Equal(t, 1, h.cc.Available())
		h.p.WantIdle()
	})
}

func TestSlotWaitersFailWhenConnCloses(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		ch1 := h.roundTrip(get(t, "https://example.com/1"))
		h.p.WantHeaders(nil)
		ch2 := h.roundTrip(get(t, "https://example.com/2"))
		h.wantPending(ch2)
		require.NoError(t, h.cc.Close())
		r2 := h.result(ch2)
		require.True(t, errors.Is(r2.err, ErrClosed))
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r2.err))
		r1 := h.result(ch1)
		require.ErrorIs(t, r1.err, ErrClosed)
		require.Equal(t, retry.NoResponse, retry.ProgressOf(r1.err))
		require.Equal(t, 0, h.cc.Available())
		h.p.WantClosed()
	})
}

// Slots handed out before the peer's first SETTINGS may exceed the limit
// those SETTINGS bring: the stream is not opened past the limit, and the
// request fails unprocessed so the caller can take a slot elsewhere.
func TestReservationsBeyondLoweredLimitAreRefusedUnprocessed(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarnessNoHandshake(t, nil)
		require.True(t, h.cc.Reserve())
		require.True(t, h.cc.Reserve())
		h.p.Handshake(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 1})
		require.Zero(t, h.cc.Available())

		ch1 := h.roundTrip(get(t, "https://example.com/1"))
		id1 := h.p.WantHeaders(nil)
		r2 := h.result(h.roundTrip(get(t, "https://example.com/2")))
		require.ErrorContains(t, r2.err, "lowered its stream limit to 1")
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r2.err))
		require.Equal(t, 1, h.cc.InFlight())
		h.p.WantIdle()

		h.p.WriteHeaders(id1, true, ":status", "200")
		require.NoError(t, h.result(ch1).err)
		require.Equal(t, 1, h.cc.Available())
		h.p.WantIdle()
	})
}
