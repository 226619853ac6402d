package h2

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestContextCancelResetsStream(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		cancel()
		r := h.result(ch)
		require.ErrorIs(t, r.err, context.Canceled)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		h.p.WantIdle()
		require.NoError(t, h.cc.Err(), "the connection lives on")
	})
}

func TestResponseBodyCloseResetsStream(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.NoError(t, r.resp.Body.Close())
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		_, err := r.resp.Body.Read(make([]byte, 1))
		require.ErrorIs(t, err, errBodyClosed)
		h.p.WantIdle()
	})
}

func TestCancelDuringBodyReadFailsRead(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		read := readAllAsync(r.resp.Body)
		cancel()
		synctest.Wait()
		res := <-read
		require.ErrorIs(t, res.err, context.Canceled)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		h.p.WantIdle()
	})
}

func TestResetStreamsHoldSlotsUntilPingAck(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 2})
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		cancel()
		h.result(ch)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		data := h.p.WantPing()
		require.Equal(t, 1, h.cc.Available(), "the peer may still count the reset stream")
		require.Equal(t, 0, h.cc.InFlight())
		h.p.WritePing(true, data)
		synctest.Wait()
		require.Equal(t, 2, h.cc.Available())
		h.p.WantIdle()
	})
}

func TestResponseHeaderTimeout(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{ResponseHeaderTimeout: 5 * time.Second})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		time.Sleep(5 * time.Second)
		r := h.result(ch)
		var ne net.Error
		require.True(t, errors.As(r.err, &ne) && ne.Timeout(), "got %v", r.err)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		h.p.WantIdle()
	})
}
