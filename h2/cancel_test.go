package h2

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/h2peer"
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
		// As x/net's HTTP/2 error for it, and unlike HTTP/1.1's (h1's
		// TestResponseHeaderTimeout), not the context's deadline kind.
		require.NotErrorIs(t, r.err, context.DeadlineExceeded)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantPing()
		h.p.WantIdle()
	})
}

// slowBody yields n chunks of data, one every gap (on the bubble's clock):
// an upload that takes n*gap.
type slowBody struct {
	n   int
	gap time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.gap)
	b.n--
	return copy(p, "chunk"), nil
}

// ResponseHeaderTimeout counts from the end of the upload, as on HTTP/1.1:
// a 10 s upload with a 5 s timeout succeeds when the server answers a
// moment after the body ends, and the timeout still fires 5 s after it
// ends when the server stays silent.
func TestResponseHeaderTimeoutStartsAfterUpload(t *testing.T) {
	for _, answer := range []bool{true, false} {
		runSynctest(t, func(t *testing.T) {
			h := newHarness(t, &Config{ResponseHeaderTimeout: 5 * time.Second})
			req, err := http.NewRequest("POST", "https://example.com/", io.NopCloser(&slowBody{n: 10, gap: time.Second}))
			require.NoError(t, err)
			ch := h.roundTrip(req)
			id := h.p.WantHeaders(nil)
			for {
				d := h.p.WantData(id)
				if d.EndStream {
					break
				}
			}
			if answer {
				time.Sleep(4 * time.Second)
				h.p.WriteHeaders(id, true, ":status", "200")
				r := h.result(ch)
				require.NoError(t, r.err)
				require.Equal(t, 200, r.resp.StatusCode)
				return
			}
			time.Sleep(5*time.Second - time.Nanosecond)
			h.wantPending(ch)
			time.Sleep(time.Nanosecond)
			r := h.result(ch)
			var ne net.Error
			require.True(t, errors.As(r.err, &ne) && ne.Timeout(), "got %v", r.err)
		})
	}
}

// A request with trailers but no body is written whole before RoundTrip
// waits (HEADERS, then the trailers with END_STREAM), so
// ResponseHeaderTimeout counts from then, as for any other request.
func TestResponseHeaderTimeoutTrailersOnly(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{ResponseHeaderTimeout: 5 * time.Second})
		req, err := http.NewRequest("POST", "https://example.com/", nil)
		require.NoError(t, err)
		req.Trailer = http.Header{"X-Checksum": {"42"}}
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(nil)
		h.p.WantHeaders(func(hd *h2peer.Headers) { require.True(t, hd.EndStream) })
		time.Sleep(5*time.Second - time.Nanosecond)
		h.wantPending(ch)
		time.Sleep(time.Nanosecond)
		r := h.result(ch)
		var ne net.Error
		require.True(t, errors.As(r.err, &ne) && ne.Timeout(), "got %v", r.err)
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
	})
}
