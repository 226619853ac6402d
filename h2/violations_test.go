package h2

import (
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/retry"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func settingPayload(id http2.SettingID, v uint32) []byte {
	b := make([]byte, 6)
	binary.BigEndian.PutUint16(b, uint16(id))
	binary.BigEndian.PutUint32(b[2:], v)
	return b
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// Each case breaks a connection-level rule while stream 1 awaits its
// response: the client must send GOAWAY with the code and fail the stream
// with a ConnectionError.
func TestPeerConnectionViolations(t *testing.T) {
	end := http2.FlagHeadersEndHeaders
	cases := []struct {
		name string
		send func(p *h2peer.Peer)
		code http2.ErrCode
	}{
		{"DATA on stream 0", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameData, 0, 0, []byte("x"))) }, http2.ErrCodeProtocol},
		{"HEADERS on stream 0", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameHeaders, end, 0, p.EncodeHeaders(":status", "200")))
		}, http2.ErrCodeProtocol},
		{"SETTINGS on a stream", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameSettings, 0, 1, nil)) }, http2.ErrCodeProtocol},
		{"PING on a stream", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FramePing, 0, 1, make([]byte, 8))) }, http2.ErrCodeProtocol},
		{"GOAWAY on a stream", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameGoAway, 0, 1, make([]byte, 8))) }, http2.ErrCodeProtocol},
		{"DATA on idle stream", func(p *h2peer.Peer) { p.WriteData(5, false, []byte("x")) }, http2.ErrCodeProtocol},
		{"HEADERS on idle stream", func(p *h2peer.Peer) { p.WriteHeaders(7, true, ":status", "200") }, http2.ErrCodeProtocol},
		{"HEADERS on even stream", func(p *h2peer.Peer) { p.WriteHeaders(2, true, ":status", "200") }, http2.ErrCodeProtocol},
		{"RST_STREAM on idle stream", func(p *h2peer.Peer) { p.WriteRSTStream(9, http2.ErrCodeCancel) }, http2.ErrCodeProtocol},
		{"SETTINGS length not a multiple of 6", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameSettings, 0, 0, make([]byte, 5))) }, http2.ErrCodeFrameSize},
		{"PING of 7 bytes", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FramePing, 0, 0, make([]byte, 7))) }, http2.ErrCodeFrameSize},
		{"WINDOW_UPDATE of 0 on the connection", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameWindowUpdate, 0, 0, u32(0))) }, http2.ErrCodeProtocol},
		{"connection window overflow", func(p *h2peer.Peer) { p.WriteWindowUpdate(0, 1<<31-1) }, http2.ErrCodeFlowControl},
		{"INITIAL_WINDOW_SIZE above 2^31-1", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameSettings, 0, 0, settingPayload(http2.SettingInitialWindowSize, 1<<31)))
		}, http2.ErrCodeFlowControl},
		{"MAX_FRAME_SIZE too small", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameSettings, 0, 0, settingPayload(http2.SettingMaxFrameSize, 100)))
		}, http2.ErrCodeProtocol},
		{"ENABLE_PUSH from server", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameSettings, 0, 0, settingPayload(http2.SettingEnablePush, 1)))
		}, http2.ErrCodeProtocol},
		{"PUSH_PROMISE", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FramePushPromise, end, 1, append(u32(2), p.EncodeHeaders(":method", "GET")...)))
		}, http2.ErrCodeProtocol},
		{"frame above our MAX_FRAME_SIZE", func(p *h2peer.Peer) { p.WriteData(1, false, make([]byte, DefaultMaxReadFrameSize+1)) }, http2.ErrCodeFrameSize},
		{"INITIAL_WINDOW_SIZE change overflows an open stream", func(p *h2peer.Peer) {
			p.WriteWindowUpdate(1, 1<<31-1-initialWindow)
			p.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: initialWindow + 1})
		}, http2.ErrCodeFlowControl},
		{"CONTINUATION without HEADERS", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameContinuation, end, 1, p.EncodeHeaders(":status", "200")))
		}, http2.ErrCodeProtocol},
		{"DATA interleaved in a header block", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameHeaders, 0, 1, p.EncodeHeaders(":status", "200")))
			p.WriteData(1, false, []byte("x"))
		}, http2.ErrCodeProtocol},
		{"undecodable header block", func(p *h2peer.Peer) {
			p.WriteRaw(h2peer.RawFrame(http2.FrameHeaders, end, 1, []byte{0xff, 0xff, 0xff, 0xff}))
		}, http2.ErrCodeCompression},
		{"CONTINUATION flood", func(p *h2peer.Peer) {
			// One write: the client hangs up midway through the flood.
			b := h2peer.RawFrame(http2.FrameHeaders, 0, 1, p.EncodeHeaders(":status", "200"))
			for range 200 {
				b = append(b, h2peer.RawFrame(http2.FrameContinuation, 0, 1, nil)...)
			}
			p.WriteRaw(b)
		}, http2.ErrCodeEnhanceYourCalm},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarness(t, nil)
				ch := h.roundTrip(get(t, "https://example.com/"))
				h.p.WantHeaders(nil)
				tc.send(h.p)
				h.p.WantGoAway(tc.code)
				h.p.WantClosed()
				r := h.result(ch)
				var ce ConnectionError
				require.ErrorAs(t, r.err, &ce)
				require.Equal(t, ErrCode(tc.code), ce.Code)
				require.False(t, ce.Remote)
				require.Equal(t, retry.NoResponse, retry.ProgressOf(r.err))
				require.ErrorAs(t, h.cc.Err(), &ce)
			})
		})
	}
}

// Each case breaks a stream-level rule in the response to stream 1: the
// client resets that stream with the code and the connection lives on.
func TestPeerStreamViolations(t *testing.T) {
	cases := []struct {
		name string
		send func(p *h2peer.Peer)
		code http2.ErrCode
	}{
		{"uppercase field name", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "200", "X-Foo", "1") }, http2.ErrCodeProtocol},
		{"pseudo-header after regular", func(p *h2peer.Peer) { p.WriteHeaders(1, true, "x-foo", "1", ":status", "200") }, http2.ErrCodeProtocol},
		{"unknown pseudo-header", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "200", ":path", "/") }, http2.ErrCodeProtocol},
		{"missing :status", func(p *h2peer.Peer) { p.WriteHeaders(1, true, "x-foo", "1") }, http2.ErrCodeProtocol},
		{"malformed :status", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "2000") }, http2.ErrCodeProtocol},
		{"connection-specific field", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "200", "connection", "close") }, http2.ErrCodeProtocol},
		{"field value with newline", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "200", "x-foo", "a\nb") }, http2.ErrCodeProtocol},
		{"stream window overflow", func(p *h2peer.Peer) { p.WriteWindowUpdate(1, 1<<31-1) }, http2.ErrCodeFlowControl},
		{"DATA before HEADERS", func(p *h2peer.Peer) { p.WriteData(1, false, []byte("x")) }, http2.ErrCodeProtocol},
		{"WINDOW_UPDATE of 0 on a stream", func(p *h2peer.Peer) { p.WriteRaw(h2peer.RawFrame(http2.FrameWindowUpdate, 0, 1, u32(0))) }, http2.ErrCodeProtocol},
		{"informational response with END_STREAM", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "103") }, http2.ErrCodeProtocol},
		{"101 in HTTP/2", func(p *h2peer.Peer) { p.WriteHeaders(1, false, ":status", "101") }, http2.ErrCodeProtocol},
		{"END_STREAM with content-length", func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "200", "content-length", "3") }, http2.ErrCodeProtocol},
		{"header list above our limit", func(p *h2peer.Peer) {
			p.WriteHeaders(1, true, ":status", "200", "x-big", strings.Repeat("a", 5000))
		}, http2.ErrCodeProtocol},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarness(t, &Config{MaxHeaderListSize: 4096})
				ch := h.roundTrip(get(t, "https://example.com/"))
				h.p.WantHeaders(nil)
				tc.send(h.p)
				h.p.WantRSTStream(1, tc.code)
				r := h.result(ch)
				var se StreamError
				require.ErrorAs(t, r.err, &se)
				require.Equal(t, StreamError{StreamID: 1, Code: ErrCode(tc.code)}, StreamError{StreamID: se.StreamID, Code: se.Code})
				require.False(t, se.Remote)
				require.NoError(t, h.cc.Err())
				h.p.WantIdle()
			})
		})
	}
}

func TestContentLengthMismatchIsBodyError(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200", "content-length", "10")
		h.p.WriteData(id, true, []byte("short"))
		h.p.WantRSTStream(id, http2.ErrCodeProtocol)
		r := h.result(ch)
		require.NoError(t, r.err)
		_, err := io.ReadAll(r.resp.Body)
		var se StreamError
		require.ErrorAs(t, err, &se)
		require.Equal(t, ErrCodeProtocol, se.Code)
		require.Contains(t, err.Error(), "content-length is 10")
		h.p.WantIdle()
	})
}

func TestOversizedRequestHeadersRefusedBeforeSending(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: 200})
		req := get(t, "https://example.com/")
		req.Header.Set("X-Big", strings.Repeat("a", 300))
		r := h.result(h.roundTrip(req))
		require.ErrorContains(t, r.err, "exceeds the server's limit of 200")
		require.Equal(t, retry.Invalid, retry.ProgressOf(r.err))
		require.Equal(t, absentStreamLimit, h.cc.Available())
		h.p.WantIdle()
	})
}

func TestInvalidRequestHeadersRefusedBeforeSending(t *testing.T) {
	bad := map[string]func(e *requestEdit){
		"CR LF in value":          func(e *requestEdit) { e.h.Set("X-A", "a\r\nb") },
		"NUL in value":            func(e *requestEdit) { e.h.Set("X-A", "a\x00b") },
		"invalid name":            func(e *requestEdit) { e.h["X A"] = []string{"1"} },
		"te other than trailers":  func(e *requestEdit) { e.h.Set("Te", "gzip") },
		"upgrade":                 func(e *requestEdit) { e.h.Set("Upgrade", "websocket") },
		"connection with options": func(e *requestEdit) { e.h.Set("Connection", "upgrade") },
		"lower-case te":           func(e *requestEdit) { e.h["te"] = []string{"gzip"} },
		"lower-case host":         func(e *requestEdit) { e.h["host"] = []string{"other.example"} },
		"content-length trailer":  func(e *requestEdit) { e.r.Trailer = http.Header{"Content-Length": {"99"}} },
		"host trailer":            func(e *requestEdit) { e.r.Trailer = http.Header{"host": {"other.example"}} },
	}
	for name, edit := range bad {
		t.Run(name, func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarness(t, nil)
				req := get(t, "https://example.com/")
				edit(&requestEdit{h: req.Header, r: req})
				r := h.result(h.roundTrip(req))
				require.Error(t, r.err)
				require.True(t, strings.HasPrefix(r.err.Error(), "h2: "), r.err.Error())
				require.Equal(t, retry.Invalid, retry.ProgressOf(r.err))
				h.p.WantIdle()
			})
		})
	}
}

func TestConnectionSpecificRequestHeadersStripped(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		req := get(t, "https://example.com/")
		req.Header.Set("Connection", "keep-alive")
		req.Header.Set("Keep-Alive", "timeout=5")
		req.Header.Set("Proxy-Connection", "keep-alive")
		req.Header.Set("Te", "trailers")
		req.Header.Set("X-Mixed-Case", "v")
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			for _, f := range hd.Fields {
				require.Equal(t, strings.ToLower(f.Name), f.Name)
				require.NotContains(t, []string{"connection", "keep-alive", "proxy-connection"}, f.Name)
			}
			require.Equal(t, "trailers", hd.Get("te"))
			require.Equal(t, "v", hd.Get("x-mixed-case"))
		})
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

type requestEdit struct {
	h http.Header
	r *http.Request
}

func TestPseudoHeaderInTrailersFailsBody(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteHeaders(id, true, ":status", "200")
		h.p.WantRSTStream(id, http2.ErrCodeProtocol)
		r := h.result(ch)
		require.NoError(t, r.err)
		_, err := io.ReadAll(r.resp.Body)
		require.ErrorContains(t, err, "pseudo-header \":status\" in trailers")
		h.p.WantIdle()
	})
}
