package h2

import (
	"bytes"
	"context"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestUploadWaitsForStreamWindow(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
		ch := h.roundTrip(post(t, "https://example.com/", bytes.Repeat([]byte("a"), 25)))
		id := h.p.WantHeaders(nil)
		require.Len(t, h.p.WantData(id).Data, 10)
		h.p.WantIdle()
		h.p.WriteWindowUpdate(id, 20)
		// The body's length is declared, so END_STREAM rides on its last
		// DATA frame, as x/net sends it.
		d := h.p.WantData(id)
		require.Len(t, d.Data, 15)
		require.True(t, d.EndStream)
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

func TestUploadWaitsForConnectionWindow(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 20})
		body := bytes.Repeat([]byte("a"), initialWindow+5)
		ch := h.roundTrip(post(t, "https://example.com/", body))
		id := h.p.WantHeaders(nil)
		n := 0
		for n < initialWindow {
			n += len(h.p.WantData(id).Data)
		}
		require.Equal(t, initialWindow, n)
		h.p.WantIdle()
		h.p.WriteWindowUpdate(0, 5)
		require.Len(t, h.p.WantBody(id), 5)
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

func TestUploadResumedBySettingsDelta(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 4})
		ch := h.roundTrip(post(t, "https://example.com/", []byte("0123456789")))
		id := h.p.WantHeaders(nil)
		require.Equal(t, "0123", string(h.p.WantData(id).Data))
		h.p.WantIdle()
		h.p.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 10})
		h.p.WantSettingsAck()
		d := h.p.WantData(id)
		require.Equal(t, "456789", string(d.Data))
		require.True(t, d.EndStream, "END_STREAM on the last DATA frame of a body of declared length")
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

func TestReceiveCreditReturnedAsBodyIsRead(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{InitialStreamWindowSize: 100, InitialConnWindowSize: 1 << 20})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, false, bytes.Repeat([]byte("x"), 100))
		r := h.result(ch)
		require.NoError(t, r.err)
		h.p.WantIdle() // nothing read yet: no credit
		buf := make([]byte, 40)
		_, err := io.ReadFull(r.resp.Body, buf)
		require.NoError(t, err)
		h.p.WantIdle() // below half the window
		_, err = io.ReadFull(r.resp.Body, buf[:10])
		require.NoError(t, err)
		require.Equal(t, uint32(50), h.p.WantWindowUpdate(id))
		h.p.WantIdle()
		h.p.WriteData(id, true, bytes.Repeat([]byte("y"), 50))
		synctest.Wait()
		rest, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Len(t, rest, 100)
		h.p.WantIdle() // the stream ended: no stream credit, conn credit batched
	})
}

func TestReceiveBeyondStreamWindowIsFlowControlError(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{InitialStreamWindowSize: 10})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, false, bytes.Repeat([]byte("x"), 11))
		h.p.WantRSTStream(id, http2.ErrCodeFlowControl)
		r := h.result(ch)
		require.NoError(t, r.err)
		_, err := io.ReadAll(r.resp.Body)
		var se StreamError
		require.ErrorAs(t, err, &se)
		require.Equal(t, ErrCodeFlowControl, se.Code)
		h.p.WantIdle()
	})
}

func TestCanceledStreamReturnsUnreadCreditToConnection(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		// A 65535-byte connection window: 40000 unread bytes on a canceled
		// stream must come back, or the second stream could not finish.
		h := newHarness(t, &Config{InitialConnWindowSize: initialWindow + 1, InitialStreamWindowSize: initialWindow})
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/a"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		for range 4 {
			h.p.WriteData(id, false, bytes.Repeat([]byte("x"), 10000))
		}
		require.NoError(t, h.result(ch).err)
		cancel()
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		require.Equal(t, uint32(40000), h.p.WantWindowUpdate(0))
		h.p.WantIdle()
	})
}

func TestDataOnResetStreamReturnsConnectionCredit(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{InitialConnWindowSize: initialWindow + 1})
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		cancel()
		h.result(ch)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		// DATA the server sent before it saw the reset is ignored, but its
		// bytes still count against the connection window and come back.
		h.p.WriteData(id, false, bytes.Repeat([]byte("x"), 16384))
		h.p.WriteData(id, false, bytes.Repeat([]byte("x"), 16384))
		require.Equal(t, uint32(32768), h.p.WantWindowUpdate(0))
		h.p.WantIdle()
		require.NoError(t, h.cc.Err())
	})
}
