package h2

import (
	"bytes"
	"io"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// A server may send its whole response before taking in the whole request
// (RFC 9113 §8.1). When it then never opens the window, closing the fully
// read body must stop the stalled upload with RST_STREAM(CANCEL) instead
// of leaving the stream open until the connection ends.
func TestCloseAfterEOFStopsStalledUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(post(t, "https://example.com/", bytes.Repeat([]byte("u"), 200<<10)))
		id := h.p.WantHeaders(nil)
		for got := 0; got < initialWindow; {
			got += len(h.p.WantData(id).Data)
		}
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, true, []byte("done"))
		r := h.result(ch)
		require.NoError(t, r.err)
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "done", string(body))
		h.wantInFlight(1)
		require.NoError(t, r.resp.Body.Close())
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.wantInFlight(0)
		h.p.WantIdle()
	})
}

func (h *harness) wantInFlight(n int) {
	h.t.Helper()
	synctest.Wait()
	require.Equal(h.t, n, h.cc.InFlight())
}

// The same with a response that ends on its HEADERS: there is no body to
// close, so the complete response itself stops the stalled upload.
func TestBodylessEarlyResponseStopsStalledUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(post(t, "https://example.com/", bytes.Repeat([]byte("u"), 200<<10)))
		id := h.p.WantHeaders(nil)
		for got := 0; got < initialWindow; {
			got += len(h.p.WantData(id).Data)
		}
		h.p.WriteHeaders(id, true, ":status", "204")
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 204, r.resp.StatusCode)
		require.NoError(t, r.resp.Body.Close())
		h.wantInFlight(0)
		h.p.WantIdle()
	})
}
