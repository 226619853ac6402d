package h2

import (
	"bytes"
	"io"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestGoAwayFailsStreamsAboveLastID(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch1 := h.roundTrip(get(t, "https://example.com/1"))
		id1 := h.p.WantHeaders(nil)
		ch3 := h.roundTrip(get(t, "https://example.com/3"))
		h.p.WantHeaders(nil)
		h.p.WriteGoAway(id1, http2.ErrCodeNo, "bye")
		r3 := h.result(ch3)
		var ga GoAwayError
		require.ErrorAs(t, r3.err, &ga)
		require.Equal(t, GoAwayError{LastStreamID: 1, Code: ErrCodeNo, DebugData: "bye"}, ga)
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r3.err))
		require.False(t, retry.Refused(r3.err), "a graceful GOAWAY refuses nothing")
		require.ErrorAs(t, h.cc.Err(), &ga)
		require.Equal(t, 0, h.cc.Available())
		require.False(t, h.cc.Reserve())

		h.p.WriteHeaders(id1, false, ":status", "200")
		h.p.WriteData(id1, true, []byte("ok"))
		r1 := h.result(ch1)
		require.NoError(t, r1.err)
		body, err := io.ReadAll(r1.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "ok", string(body))
		h.p.WantClosed() // closed itself once its last stream ended
	})
}

func TestGoAwayWithoutStreamsClosesConn(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.p.WriteGoAway(0, http2.ErrCodeNo, "")
		h.p.WantClosed()
		r := h.result(h.roundTrip(get(t, "https://example.com/")))
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r.err))
	})
}

func TestRefusedStreamIsUnprocessed(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		r := h.result(ch)
		var se StreamError
		require.ErrorAs(t, r.err, &se)
		require.Equal(t, StreamError{StreamID: id, Code: ErrCodeRefusedStream, Remote: true}, se)
		require.Equal(t, "stream error: stream ID 1; REFUSED_STREAM; received from peer", se.Error())
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r.err))
		require.True(t, retry.Refused(r.err), "the Client paces resends of refused requests")
		require.NoError(t, h.cc.Err())
		h.p.WantIdle()
	})
}

// A reset before the response, other than REFUSED_STREAM, may come after
// the server's application saw the request: the error carries no mark that
// would let the Client send it again.
func TestRSTStreamBeforeResponseIsStreamError(t *testing.T) {
	for _, code := range []http2.ErrCode{http2.ErrCodeCancel, http2.ErrCodeInternal, http2.ErrCodeEnhanceYourCalm, http2.ErrCodeNo} {
		t.Run(code.String(), func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarness(t, nil)
				ch := h.roundTrip(get(t, "https://example.com/"))
				id := h.p.WantHeaders(nil)
				h.p.WriteRSTStream(id, code)
				r := h.result(ch)
				var se StreamError
				require.ErrorAs(t, r.err, &se)
				require.Equal(t, ErrCode(code), se.Code)
				require.True(t, se.Remote)
				require.Equal(t, retry.MaybeProcessed, retry.ProgressOf(r.err))
				require.False(t, retry.Refused(r.err))
				h.p.WantIdle()
			})
		})
	}
}

func TestRSTStreamDuringBodyFailsRead(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, false, []byte("part"))
		h.p.WriteRSTStream(id, http2.ErrCodeInternal)
		r := h.result(ch)
		require.NoError(t, r.err)
		got, err := io.ReadAll(r.resp.Body)
		require.Equal(t, "part", string(got), "bytes that arrived before the reset are delivered first")
		var se StreamError
		require.ErrorAs(t, err, &se)
		require.Equal(t, ErrCodeInternal, se.Code)
		h.p.WantIdle()
	})
}

func TestConnectionLostDuringBodyDeliversBufferedBytes(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, false, []byte("part"))
		r := h.result(ch)
		require.NoError(t, r.err)
		buf := make([]byte, 2)
		n, err := r.resp.Body.Read(buf)
		require.NoError(t, err)
		require.Equal(t, "pa", string(buf[:n]))
		require.NoError(t, h.p.Conn().Close())
		synctest.Wait() // the client has seen the connection end
		require.Error(t, h.cc.Err())
		got, err := io.ReadAll(r.resp.Body)
		require.Equal(t, "rt", string(got), "bytes that arrived before the connection ended are delivered first")
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		require.NoError(t, r.resp.Body.Close())
	})
}

func TestEarlyResponseThenRSTNoErrorKeepsResponse(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 5})
		ch := h.roundTrip(post(t, "https://example.com/", bytes.Repeat([]byte("u"), 100)))
		id := h.p.WantHeaders(nil)
		require.Len(t, h.p.WantData(id).Data, 5)
		// RFC 9113 §8.1: answer early, then stop the upload.
		h.p.WriteHeaders(id, false, ":status", "413")
		h.p.WriteData(id, true, []byte("too big"))
		h.p.WriteRSTStream(id, http2.ErrCodeNo)
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 413, r.resp.StatusCode)
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "too big", string(body))
		h.p.WantIdle()
		require.Equal(t, 0, h.cc.InFlight())
	})
}

// A GOAWAY with an error code turns the streams above its last id away:
// unprocessed, and refused, so the Client paces its resends.
func TestGoAwayWithErrorRefusesStreamsAboveLastID(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		h.p.WantHeaders(nil)
		h.p.WriteGoAway(0, http2.ErrCodeEnhanceYourCalm, "slow down")
		r := h.result(ch)
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r.err))
		require.True(t, retry.Refused(r.err))
	})
}

// A server that announced a graceful shutdown and then closed before
// answering a stream it had promised to process: the request got no
// response, and the mark says the shutdown, not the request, is why.
func TestCloseAfterGracefulGoAwayIsMarkedShutdown(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteGoAway(id, http2.ErrCodeNo, "")
		synctest.Wait()
		h.p.Conn().Close()
		r := h.result(ch)
		require.Equal(t, retry.NoResponse, retry.ProgressOf(r.err))
		require.True(t, retry.AtShutdown(r.err), "%v", r.err)
		require.False(t, retry.Refused(r.err))
	})
}

// A reservation that a RoundTrip gives back because the connection stopped
// taking requests meanwhile tells the pool, and the connection turns idle:
// without the hook the pool would count the slot as taken for good.
func TestReservationDroppedAfterGoAwayTellsThePool(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		require.True(t, h.cc.Reserve())
		h.p.WriteGoAway(0, http2.ErrCodeNo, "")
		synctest.Wait()
		before := h.changes.Load()
		require.Equal(t, 1, h.cc.InFlight())
		r := h.result(h.roundTrip(get(t, "https://example.com/")))
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(r.err))
		require.Equal(t, 0, h.cc.InFlight())
		require.False(t, h.cc.IdleSince().IsZero())
		require.Greater(t, h.changes.Load(), before, "the pool must hear that the slot freed")
	})
}
