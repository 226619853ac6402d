package h2

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// closeTrackingBody is a request body that records its Close.
type closeTrackingBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *closeTrackingBody) Close() error { b.closed.Store(true); return nil }

func expectRequest(t *testing.T, body *closeTrackingBody) *http.Request {
	req, err := http.NewRequest("PUT", "https://example.com/up", body)
	require.NoError(t, err)
	req.ContentLength = 7
	req.Header.Set("Expect", "100-continue")
	return req
}

var expectCfg = &Config{ExpectContinueTimeout: 5 * time.Second}

func TestExpectContinueSendsBodyAfter100(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		body := &closeTrackingBody{Reader: strings.NewReader("payload")}
		ch := h.roundTrip(expectRequest(t, body))
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.False(t, hd.EndStream)
			require.Equal(t, "100-continue", hd.Get("expect"))
		})
		synctest.Wait()
		h.p.WantIdle() // no body before the 100
		h.p.WriteHeaders(id, false, ":status", "100")
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		h.p.WriteHeaders(id, true, ":status", "201")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 201, r.resp.StatusCode)
		require.True(t, body.closed.Load())
		h.p.WantIdle()
	})
}

func TestExpectContinueTimeoutSendsBodyAnyway(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		body := &closeTrackingBody{Reader: strings.NewReader("payload")}
		start := time.Now()
		ch := h.roundTrip(expectRequest(t, body))
		id := h.p.WantHeaders(nil)
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		require.Equal(t, 5*time.Second, time.Since(start), "the body waits out ExpectContinueTimeout")
		h.p.WriteHeaders(id, true, ":status", "204")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 204, r.resp.StatusCode)
	})
}

func TestExpectContinueFinalResponseFirstSkipsBody(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		body := &closeTrackingBody{Reader: strings.NewReader("payload")}
		ch := h.roundTrip(expectRequest(t, body))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, true, ":status", "417")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 417, r.resp.StatusCode)
		// Our half ends with a reset, not the body.
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		synctest.Wait()
		require.True(t, body.closed.Load())
		h.p.WantIdle()
		require.Equal(t, 0, h.cc.InFlight())
	})
}

func TestExpectContinueFinalResponseWithBodySkipsUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		body := &closeTrackingBody{Reader: strings.NewReader("payload")}
		ch := h.roundTrip(expectRequest(t, body))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "403")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 403, r.resp.StatusCode)
		synctest.Wait()
		h.p.WantIdle() // neither body nor reset while the response streams
		h.p.WriteData(id, true, []byte("denied"))
		got, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "denied", string(got))
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		require.NoError(t, r.resp.Body.Close())
		synctest.Wait()
		require.True(t, body.closed.Load())
		h.p.WantIdle()
	})
}

func TestExpectContinueOffSendsBodyAtOnce(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil) // ExpectContinueTimeout 0
		body := &closeTrackingBody{Reader: strings.NewReader("payload")}
		ch := h.roundTrip(expectRequest(t, body))
		id := h.p.WantHeaders(nil)
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		h.p.WriteHeaders(id, true, ":status", "204")
		require.NoError(t, h.result(ch).err)
	})
}
