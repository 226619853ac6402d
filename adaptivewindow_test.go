package plex_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
)

// bdpPingSummary is how a frame trace shows the payload of the PINGs that
// measure the path (h2/bdp.go's bdpPingData).
const bdpPingSummary = "data=" + "706c657862647000"

// The adaptive-window options reach the wire alike on TLS HTTP/2 and on
// h2c: a 2 MiB body draws a PING to measure the path when the windows
// adapt (the default, or a maximum above the initial stream window) and
// none when they are fixed (turned off, an explicit initial window alone,
// or a maximum at the initial window).
func TestAdaptiveWindowOptionsOnTheWire(t *testing.T) {
	body := strings.Repeat("x", 2<<20)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) })
	cases := []struct {
		name     string
		opts     []plex.Option
		adaptive bool
	}{
		{"default", nil, true},
		{"off", []plex.Option{plex.WithAdaptiveWindow(false)}, false},
		{"explicit stream window", []plex.Option{plex.WithInitialStreamWindowSize(1 << 20)}, false},
		{"explicit conn window", []plex.Option{plex.WithInitialConnWindowSize(16 << 20)}, false},
		{"explicit stream window and a maximum", []plex.Option{plex.WithInitialStreamWindowSize(1 << 20), plex.WithMaxStreamWindowSize(8 << 20)}, true},
		{"maximum at the initial window", []plex.Option{plex.WithMaxStreamWindowSize(1 << 20)}, false},
		{"maximum given, then turned off", []plex.Option{plex.WithMaxStreamWindowSize(8 << 20), plex.WithAdaptiveWindow(false)}, false},
	}
	for _, proto := range []string{"h2", "h2c"} {
		t.Run(proto, func(t *testing.T) {
			s := httptest.NewUnstartedServer(handler)
			var base []plex.Option
			if proto == "h2" {
				s.EnableHTTP2 = true
				s.StartTLS()
				roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
				base = []plex.Option{plex.WithTLSConfig(&tls.Config{RootCAs: roots}), plex.WithProtocols(plex.HTTP2)}
			} else {
				s.Config.Protocols = new(http.Protocols)
				s.Config.Protocols.SetUnencryptedHTTP2(true)
				s.Start()
				base = []plex.Option{plex.WithProtocols(plex.UnencryptedHTTP2)}
			}
			defer s.Close()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					var bdpPings atomic.Int32
					trace := plex.WithFrameTrace(func(ev h2.FrameEvent) {
						if ev.Dir == h2.Written && ev.Type == "PING" && ev.Flags == 0 && ev.Summary == bdpPingSummary {
							bdpPings.Add(1)
						}
					})
					c, err := plex.New(append(append(base, trace), tc.opts...)...)
					require.NoError(t, err)
					defer c.Close()
					req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL, nil)
					require.NoError(t, err)
					resp, err := c.RoundTrip(req)
					require.NoError(t, err)
					defer resp.Body.Close()
					require.Equal(t, 2, resp.ProtoMajor)
					got, err := io.ReadAll(resp.Body)
					require.NoError(t, err)
					require.Len(t, got, len(body))
					if tc.adaptive {
						require.NotZero(t, bdpPings.Load(), "no PING measured the path")
					} else {
						require.Zero(t, bdpPings.Load(), "fixed windows, yet a PING measured the path")
					}
				})
			}
		})
	}
}
