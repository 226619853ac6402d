package integration

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// HTTP/2 streams reset by the server, as gRPC and Connect servers reset
// them: libraries map x/net's http2.StreamError codes to their own
// (connect-go: CANCEL to canceled, REFUSED_STREAM to unavailable,
// ENHANCE_YOUR_CALM to resource_exhausted), by errors.As or by the text.
func diffH2Scenarios() []diffScenario {
	reset := func(code http2.ErrCode) func(*testing.T, diffProto) diffTarget {
		return func(t *testing.T, p diffProto) diffTarget {
			return scriptedTarget(t, p, h2Script(resetWith(code), 0), "h2")
		}
	}
	return []diffScenario{
		{name: "stream reset CANCEL", protos: h2Protos, setup: reset(http2.ErrCodeCancel)},
		{name: "stream reset ENHANCE_YOUR_CALM", protos: h2Protos, setup: reset(http2.ErrCodeEnhanceYourCalm)},
		{
			// A refused stream was not processed: both send it again.
			name: "stream refused once, then answered", protos: h2Protos,
			setup: func(t *testing.T, p diffProto) diffTarget {
				return scriptedTarget(t, p, h2Script(func(fr *http2.Framer, id uint32, n int, _ <-chan struct{}) error {
					// Each client's first request is refused: the clients
					// take turns, two requests each.
					if n%2 == 0 {
						return fr.WriteRSTStream(id, http2.ErrCodeRefusedStream)
					}
					return writeH2Response(fr, id, http.StatusOK, "ok")
				}, 0), "h2")
			},
		},
		{
			// net/http has a write timeout for HTTP/2 (HTTP2Config
			// .WriteByteTimeout): an upload the server stops reading fails
			// with a timeout, well before the request's deadline.
			name: "stalled upload under a write timeout", protos: h2Protos,
			method: http.MethodPost, body: func() io.Reader { return infiniteBody{} },
			cfg:   diffConfig{writeByteTimeout: 200 * time.Millisecond},
			setup: stalledUploadTarget,
		},
	}
}

// stalledUploadTarget reads the request head and then nothing more, while
// HTTP/2 flow control allows the client to send all it has: the client's
// writes stall on the full TCP buffers.
func stalledUploadTarget(t *testing.T, p diffProto) diffTarget {
	block := func(stop <-chan struct{}) error {
		<-stop
		return errStopped
	}
	if p == dH2 || p == dH2C {
		return scriptedTarget(t, p, h2Script(func(_ *http2.Framer, _ uint32, _ int, stop <-chan struct{}) error {
			return block(stop)
		}, 1<<31-1-65535, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1<<31 - 1}), "h2")
	}
	return scriptedTarget(t, p, h1ReadThen(func(_ net.Conn, stop <-chan struct{}) error { return block(stop) }), "http/1.1")
}
