package h2

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// heldWroteRequest is a WroteRequest hook that records each call and then
// holds the writer until release is closed: a RoundTrip that returns while
// the hook is held did not wait for it.
type heldWroteRequest struct {
	calls   atomic.Int32
	err     atomic.Value // error of the last call, as a string
	release chan struct{}
	once    sync.Once
}

// free lets the held writer go on; deferred too, so that a failing test
// leaves no goroutine behind in its bubble.
func (h *heldWroteRequest) free() { h.once.Do(func() { close(h.release) }) }

func newHeldWroteRequest() *heldWroteRequest {
	return &heldWroteRequest{release: make(chan struct{})}
}

func (h *heldWroteRequest) with(req *http.Request) *http.Request {
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
		h.calls.Add(1)
		h.err.Store(errString(i.Err))
		<-h.release
	}}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

var errBodyRead = errors.New("body read failed")

// failingReader gives some bytes, then errBodyRead.
type failingReader struct{ sent bool }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.sent {
		return 0, errBodyRead
	}
	r.sent = true
	return copy(p, "partial"), nil
}

// As in x/net: a request body that fails ends the request's writing, and
// WroteRequest reports it, with the body's error, before RoundTrip returns
// that error.
func TestWroteRequestBeforeRoundTripReturnsABodyError(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		hook := newHeldWroteRequest()
		defer hook.free()
		req, err := http.NewRequest("POST", "https://example.com/", &failingReader{})
		require.NoError(t, err)
		ch := h.roundTrip(hook.with(req))
		h.p.WantHeaders(nil)
		synctest.Wait()
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fired")
		h.wantPending(ch) // held by the hook: RoundTrip waits for it
		hook.free()
		r := h.result(ch)
		require.ErrorIs(t, r.err, errBodyRead)
		require.Contains(t, hook.err.Load(), errBodyRead.Error())
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fires once")
	})
}

// A body whose writer waits for the send window when the server resets
// the stream: the writer's end is settled, and RoundTrip returns the reset
// only after WroteRequest reported it.
func TestWroteRequestBeforeRoundTripReturnsAResetDuringUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
		hook := newHeldWroteRequest()
		defer hook.free()
		ch := h.roundTrip(hook.with(post(t, "https://example.com/", []byte("payload"))))
		id := h.p.WantHeaders(nil)
		synctest.Wait() // the writer waits for window
		h.p.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		synctest.Wait()
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fired")
		h.wantPending(ch)
		hook.free()
		r := h.result(ch)
		require.Error(t, r.err)
		require.NotEqual(t, "<nil>", hook.err.Load())
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fires once")
	})
}

// A body fully sent before the final response: the caller sees
// WroteRequest before the response (x/net fires it right after the last
// frame, which comes before any answer to it).
func TestWroteRequestBeforeTheResponseToACompleteUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		hook := newHeldWroteRequest()
		defer hook.free()
		ch := h.roundTrip(hook.with(expectRequest(t, &closeTrackingBody{Reader: strings.NewReader("payload")})))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "100")
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		h.p.WriteHeaders(id, true, ":status", "204")
		synctest.Wait()
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fired")
		h.wantPending(ch)
		hook.free()
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, http.StatusNoContent, r.resp.StatusCode)
		require.Equal(t, "<nil>", hook.err.Load())
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fires once")
	})
}

// A final response before the 100 drops the body: that ends the request's
// writing, and WroteRequest comes before the response.
func TestWroteRequestBeforeAResponseThatDropsTheBody(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		hook := newHeldWroteRequest()
		defer hook.free()
		ch := h.roundTrip(hook.with(expectRequest(t, &closeTrackingBody{Reader: strings.NewReader("payload")})))
		id := h.p.WantHeaders(nil)
		synctest.Wait() // the writer waits for the 100
		h.p.WriteHeaders(id, true, ":status", "417")
		synctest.Wait()
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fired")
		h.wantPending(ch)
		hook.free()
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, http.StatusExpectationFailed, r.resp.StatusCode)
		require.Equal(t, int32(1), hook.calls.Load(), "WroteRequest fires once")
	})
}

// An upload under way when the response comes is not waited for: the
// response streams while the body still goes.
func TestResponseDuringUploadDoesNotWaitForTheBody(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
		hook := newHeldWroteRequest()
		defer hook.free()
		ch := h.roundTrip(hook.with(post(t, "https://example.com/", []byte("payload"))))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, int32(0), hook.calls.Load())
		require.NoError(t, r.resp.Body.Close())
	})
}
