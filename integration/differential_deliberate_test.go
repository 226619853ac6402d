package integration

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// Where plex differs from net/http on purpose. Each check shows net/http's
// behaviour beside plex's documented one.
func diffDeliberateScenarios() []diffScenario {
	var protocolResets atomic.Int32 // requests the PROTOCOL_ERROR scenario's server saw
	return []diffScenario{
		{
			// net/http resends a request whose stream the server reset
			// with PROTOCOL_ERROR (golang/go#47635), a POST included when
			// its body can be had again; the server may have acted on it.
			name: "stream reset PROTOCOL_ERROR on a POST", protos: h2Protos,
			method: http.MethodPost, body: func() io.Reader { return strings.NewReader("pay 10 EUR") },
			setup: func(t *testing.T, p diffProto) diffTarget {
				protocolResets.Store(0)
				return scriptedTarget(t, p, h2Script(func(fr *http2.Framer, id uint32, n int, _ <-chan struct{}) error {
					protocolResets.Add(1)
					if n%2 == 0 { // each client's first request
						return fr.WriteRSTStream(id, http2.ErrCodeProtocol)
					}
					return writeH2Response(fr, id, http.StatusOK, "paid")
				}, 0), "h2")
			},
			deliberate: "net/http sends the POST again after a PROTOCOL_ERROR reset; plex never " +
				"resends what the server may have processed and says so with ErrMaybeProcessed",
			check: func(t *testing.T, _ diffProto, netObs, plexObs observation) {
				require.Equal(t, http.StatusOK, netObs.Status, "net/http resent it: %s", netObs.ErrText)
				require.Equal(t, int32(3), protocolResets.Load(), "net/http sent it twice, plex once")
				require.True(t, plexObs.MaybeProcessed, plexObs.ErrText)
				require.True(t, plexObs.Err.URLError, plexObs.ErrText)
				require.Equal(t, "PROTOCOL_ERROR", plexObs.Err.StreamCode, plexObs.ErrText)
			},
		},
		{
			name: "stream refused every time", protos: h2Protos, timeout: 3 * time.Second,
			setup: func(t *testing.T, p diffProto) diffTarget {
				return scriptedTarget(t, p, h2Script(resetWith(http2.ErrCodeRefusedStream), 0), "h2")
			},
			deliberate: "net/http resends a refused request up to 6 times over about a minute " +
				"(1s, 2s, 4s... waits); plex resends at most WithMaxRetries (5) times with a short " +
				"backoff and then returns the reset, which was not processed",
			check: func(t *testing.T, _ diffProto, netObs, plexObs observation) {
				require.True(t, netObs.Err.DeadlineExceeded, "net/http is still resending at the deadline: %s", netObs.ErrText)
				require.Equal(t, "REFUSED_STREAM", plexObs.Err.StreamCode, plexObs.ErrText)
				require.True(t, plexObs.Err.PeerResetText, "the text must end as net/http's: %s", plexObs.ErrText)
				require.True(t, plexObs.Err.URLError)
				require.False(t, plexObs.Err.DeadlineExceeded, plexObs.ErrText)
				require.False(t, plexObs.MaybeProcessed, "a refused stream was not processed: %s", plexObs.ErrText)
			},
		},
		{
			name: "stalled HTTP/1.1 upload under a write timeout", protos: []diffProto{dH1, dH1C},
			method: http.MethodPost, body: func() io.Reader { return infiniteBody{} },
			cfg:     diffConfig{writeByteTimeout: 200 * time.Millisecond},
			timeout: 3 * time.Second,
			setup:   stalledUploadTarget,
			deliberate: "net/http has no write timeout for HTTP/1.1 and waits for the request's " +
				"deadline; plex's WithWriteByteTimeout bounds HTTP/1.1 writes too",
			check: func(t *testing.T, _ diffProto, netObs, plexObs observation) {
				require.True(t, netObs.Err.DeadlineExceeded, netObs.ErrText)
				require.True(t, netObs.Err.Timeout)
				require.True(t, plexObs.Err.URLError, plexObs.ErrText)
				require.True(t, plexObs.Err.Timeout, "a stalled write is a timeout: %s", plexObs.ErrText)
				require.True(t, plexObs.Err.TopTimeout, "url.Error.Timeout() must say so: %s", plexObs.ErrText)
				require.False(t, plexObs.Err.DeadlineExceeded, "plex's bound, not the deadline, ended it: %s", plexObs.ErrText)
				require.True(t, plexObs.MaybeProcessed, "the head was sent: %s", plexObs.ErrText)
			},
		},
		{
			name: "body stalls under a body read timeout", protos: allProtos,
			cfg:     diffConfig{bodyReadTimeout: 200 * time.Millisecond},
			timeout: 2 * time.Second,
			setup: func(t *testing.T, p diffProto) diffTarget {
				stop := make(chan struct{})
				tg := goTarget(t, p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, "partial")
					http.NewResponseController(w).Flush()
					blockUntil(stop)
				}))
				t.Cleanup(func() { close(stop) })
				return tg
			},
			deliberate: "net/http has no bound on a response body that stops arriving and waits " +
				"for the request's deadline; plex's WithBodyReadTimeout (OkHttp's read timeout) " +
				"fails the Read with a timeout",
			check: func(t *testing.T, _ diffProto, netObs, plexObs observation) {
				require.True(t, netObs.BodyErr)
				require.True(t, netObs.Err.DeadlineExceeded, netObs.ErrText)
				require.Equal(t, netObs.Status, plexObs.Status)
				require.Equal(t, "partial", plexObs.Body)
				require.True(t, plexObs.BodyErr, "the Read fails, not the request: %s", plexObs.ErrText)
				require.True(t, plexObs.Err.Timeout, plexObs.ErrText)
				require.True(t, plexObs.Err.TopTimeout, plexObs.ErrText)
				require.False(t, plexObs.Err.DeadlineExceeded, plexObs.ErrText)
				require.Contains(t, plexObs.ErrText, "body read timeout")
			},
		},
		{
			name: "Do after Close", protos: []diffProto{dH2, dH1C},
			setup:  goHandler(okHandler),
			before: func(s *diffSide) { s.close() },
			deliberate: "net/http's Transport has no Close (CloseIdleConnections leaves it usable); " +
				"after plex's Close, Do fails as http.Client.Do fails for any transport error: a " +
				"*url.Error that wraps ErrClientClosed",
			check: func(t *testing.T, _ diffProto, netObs, plexObs observation) {
				require.Equal(t, http.StatusOK, netObs.Status, netObs.ErrText)
				require.True(t, plexObs.Err.URLError, "Do must return a *url.Error: %s", plexObs.ErrText)
				require.Equal(t, "Get", plexObs.Err.URLOp)
				require.True(t, plexObs.ClientClosed, plexObs.ErrText)
				require.False(t, plexObs.MaybeProcessed, plexObs.ErrText)
			},
		},
	}
}
