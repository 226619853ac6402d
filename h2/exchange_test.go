package h2

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"testing"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestPrefaceAndSettingsExchange(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarnessNoHandshake(t, &Config{InitialStreamWindowSize: 1 << 20, InitialConnWindowSize: 16 << 20})
		h.p.ReadPreface()
		got := h.p.WantSettings()
		require.Equal(t, map[http2.SettingID]uint32{
			http2.SettingEnablePush:        0,
			http2.SettingInitialWindowSize: 1 << 20,
			http2.SettingMaxFrameSize:      DefaultMaxReadFrameSize,
			http2.SettingMaxHeaderListSize: DefaultMaxHeaderListSize,
		}, got)
		require.Equal(t, uint32(16<<20-65535), h.p.WantWindowUpdate(0))
		h.p.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 7})
		h.p.WantSettingsAck()
		h.p.WriteSettingsAck()
		h.p.WantIdle()
		require.Equal(t, 7, h.cc.Available())
		require.NoError(t, h.cc.Err())
		require.True(t, h.cc.Multiplexed())
	})
}

func TestSimpleGET(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/path?q=1"))
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.True(t, hd.EndStream)
			require.Equal(t, "GET", hd.Get(":method"))
			require.Equal(t, "example.com", hd.Get(":authority"))
			require.Equal(t, "/path?q=1", hd.Get(":path"))
			require.Equal(t, "https", hd.Get(":scheme"))
			require.Equal(t, "gzip", hd.Get("accept-encoding"))
			require.Equal(t, DefaultUserAgent, hd.Get("user-agent"))
		})
		require.Equal(t, uint32(1), id)
		h.p.WriteHeaders(id, false, ":status", "200", "content-type", "text/plain", "content-length", "5")
		h.p.WriteData(id, true, []byte("hello"))
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 200, r.resp.StatusCode)
		require.Equal(t, "200 OK", r.resp.Status)
		require.Equal(t, "HTTP/2.0", r.resp.Proto)
		require.Equal(t, 2, r.resp.ProtoMajor)
		require.Equal(t, int64(5), r.resp.ContentLength)
		require.Equal(t, "text/plain", r.resp.Header.Get("Content-Type"))
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "hello", string(body))
		require.NoError(t, r.resp.Body.Close())
		h.p.WantIdle()
		require.Equal(t, 0, h.cc.InFlight())
		require.False(t, h.cc.IdleSince().IsZero())
	})
}

func TestPOSTWithBody(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(post(t, "https://example.com/up", []byte("payload")))
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.False(t, hd.EndStream)
			require.Equal(t, "POST", hd.Get(":method"))
			require.Equal(t, "7", hd.Get("content-length"))
		})
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		h.p.WriteHeaders(id, true, ":status", "204")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 204, r.resp.StatusCode)
		require.Equal(t, http.NoBody, r.resp.Body)
		h.p.WantIdle()
	})
}

func TestRequestTrailers(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		req := post(t, "https://example.com/", []byte("abc"))
		req.Trailer = http.Header{"X-Checksum": nil}
		req.Body = &trailerSetter{r: req.Body, set: func() { req.Trailer.Set("X-Checksum", "42") }}
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.Equal(t, "X-Checksum", hd.Get("trailer"))
		})
		require.Equal(t, "abc", string(h.p.WantData(id).Data))
		h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.True(t, hd.EndStream)
			require.Equal(t, "42", hd.Get("x-checksum"))
		})
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

// trailerSetter runs set when the body reaches EOF, as a streaming hasher
// would.
type trailerSetter struct {
	r   io.ReadCloser
	set func()
}

func (s *trailerSetter) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.set()
	}
	return n, err
}
func (s *trailerSetter) Close() error { return s.r.Close() }

func TestResponseTrailers(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200", "trailer", "grpc-status")
		h.p.WriteData(id, false, []byte("x"))
		h.p.WriteHeaders(id, true, "grpc-status", "0")
		r := h.result(ch)
		require.NoError(t, r.err)
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "x", string(body))
		require.Equal(t, "0", r.resp.Trailer.Get("Grpc-Status"))
		h.p.WantIdle()
	})
}

func TestInformationalResponses(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		var got []int
		trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, hdr textproto.MIMEHeader) error {
			got = append(got, code)
			require.Equal(t, "</style.css>", hdr.Get("Link"))
			return nil
		}}
		req := get(t, "https://example.com/")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "103", "link", "</style.css>")
		h.wantPending(ch)
		h.p.WriteHeaders(id, true, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, 200, r.resp.StatusCode)
		require.Equal(t, []int{103}, got)
		h.p.WantIdle()
	})
}

func TestCookieSentAsSeparateFields(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		req := get(t, "https://example.com/")
		req.Header.Add("Cookie", "a=1; b=2;;  c=3 ")
		req.Header.Add("Cookie", "d=4")
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			var cookies []string
			for _, f := range hd.Fields {
				if f.Name == "cookie" {
					cookies = append(cookies, f.Value)
				}
			}
			require.Equal(t, []string{"a=1", "b=2", "c=3", "d=4"}, cookies)
		})
		h.p.WriteHeaders(id, true, ":status", "204")
		require.NoError(t, h.result(ch).err)
	})
}
