package h2

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// cancelStream opens a GET, lets the peer see its HEADERS, cancels it and
// reads the RST_STREAM(CANCEL) that follows.
func (h *harness) cancelStream() uint32 {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := h.roundTrip(getCtx(h.t, ctx, "https://example.com/"))
	id := h.p.WantHeaders(nil)
	cancel()
	h.result(ch)
	h.p.WantRSTStream(id, http2.ErrCodeCancel)
	return id
}

// A reset goes with a PING at most once until HEADERS or DATA arrive: a
// server enforcing grpc-go's default policy answers the third PING in a row
// without either with GOAWAY(ENHANCE_YOUR_CALM). net/http follows the same
// rule (golang/go#70575).
func TestResetPingAtMostOnceUntilHeadersOrData(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})
		h.cancelStream()
		h.p.WritePing(true, h.p.WantPing())
		for range 3 {
			h.cancelStream()
			h.p.WantIdle() // no PING: nothing the server could count as its own since the last one
			require.Equal(t, 10, h.cc.Available(), "a reset without a PING frees its slot at once")
		}

		// HEADERS from the peer: the next PING is forgiven, so one may go.
		ch := h.roundTrip(get(t, "https://example.com/ok"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, true, ":status", "204")
		require.NoError(t, h.result(ch).err)
		h.cancelStream()
		h.p.WritePing(true, h.p.WantPing())
		h.p.WantIdle()
		require.NoError(t, h.cc.Err())
	})
}

// Resets that come while the reset PING is out are not covered by a second
// PING on its ACK unless HEADERS or DATA arrived meanwhile; the ACK itself
// shows the peer alive, so their slots come back with it.
func TestResetBurstGetsOnePing(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})
		h.cancelStream()
		data := h.p.WantPing()
		h.cancelStream()
		h.cancelStream()
		require.Equal(t, 7, h.cc.Available(), "the peer may still count the reset streams")
		h.p.WritePing(true, data)
		synctest.Wait()
		h.p.WantIdle()
		require.Equal(t, 10, h.cc.Available())
	})
}

// A frame that arrived after a stream opened already shows the peer alive:
// its reset needs no PING, and its slot is free at once.
func TestNoResetPingAfterFrameSinceStreamOpened(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 2})
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		require.NoError(t, h.result(ch).err)
		cancel()
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantIdle()
		synctest.Wait()
		require.Equal(t, 2, h.cc.Available())
	})
}

// The health check keeps within the same policy: with a stream open and a
// silent peer, two PINGs in a row, then none until five minutes after the
// last, when a PING costs no strike.
func TestHealthCheckPingsKeepWithinStrictPolicy(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{ReadIdleTimeout: 10 * time.Second, PingTimeout: 5 * time.Second})
		ch := h.roundTrip(get(t, "https://example.com/slow"))
		id := h.p.WantHeaders(nil)
		time.Sleep(10 * time.Second)
		h.p.WritePing(true, h.p.WantPing()) // forgiven: the first
		time.Sleep(10 * time.Second)
		second := time.Now()
		h.p.WritePing(true, h.p.WantPing()) // strike one
		time.Sleep(strictPingInterval - time.Second)
		h.p.WantIdle() // a third now would be strike two
		time.Sleep(time.Second)
		synctest.Wait()
		h.p.WritePing(true, h.p.WantPing())
		require.Equal(t, strictPingInterval, time.Since(second))
		require.NoError(t, h.cc.Err())

		// HEADERS from the peer forgive the next PING.
		h.p.WriteHeaders(id, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		time.Sleep(10 * time.Second)
		h.p.WritePing(true, h.p.WantPing())
		h.p.WriteData(id, true, nil)
		synctest.Wait()
		require.NoError(t, r.resp.Body.Close())
		h.p.WantIdle()
	})
}

// pingBudget counts as grpc-go's server does.
func TestPingBudgetCountsStrikes(t *testing.T) {
	b := newPingBudget()
	t0 := time.Unix(1000, 0)
	require.True(t, b.free())
	b.sent(t0, true)
	require.False(t, b.free())
	require.Equal(t, 1, b.strikesAfter(t0.Add(time.Minute), true))
	b.sent(t0.Add(time.Minute), true)
	require.Equal(t, 2, b.strikesAfter(t0.Add(2*time.Minute), true))
	require.Equal(t, 1, b.strikesAfter(t0.Add(6*time.Minute), true), "a PING after the interval costs nothing")
	require.Equal(t, 2, b.strikesAfter(t0.Add(6*time.Minute), false), "without streams the interval is two hours")
	b.gotHeadersOrData()
	require.Equal(t, 0, b.strikesAfter(t0.Add(2*time.Minute), true))
}
