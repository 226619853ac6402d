package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/integration/realserver"
)

// A TLS listener whose ALPN offers only http/1.1, and one that negotiates
// no ALPN protocol at all, both give HTTP/1.1 to a default client; a client
// limited to HTTP/2 fails against them with alpn.ErrALPN and no request
// sent.
func TestInteropALPN(t *testing.T) {
	for _, k := range realserver.Kinds {
		for _, tc := range []struct {
			name string
			addr func(*realserver.Server) string
		}{
			{"tls-http1-only", func(s *realserver.Server) string { return s.HTTP1OnlyTLSAddr }},
			{"tls-no-alpn", func(s *realserver.Server) string { return s.NoALPNTLSAddr }},
		} {
			t.Run(string(k)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				trackInterop(t, string(k), tc.name, "ALPN fallback to HTTP/1.1")
				s := useServer(t, k)
				addr := tc.addr(s)
				if addr == "" {
					notApplicable(t, "realserver starts no such listener for "+string(k))
				}
				url := "https://" + addr + realserver.SmallFile

				c, err := plex.New(plex.WithTLSConfig(s.ClientTLS()))
				require.NoError(t, err)
				defer c.Close()
				resp, body := get(t, c, url)
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, "HTTP/1.1", resp.Proto)
				require.Equal(t, realserver.Sum(realserver.File(realserver.SmallFile)), sum(body))

				h2only, err := plex.New(plex.WithTLSConfig(s.ClientTLS()), plex.WithProtocols(plex.HTTP2))
				require.NoError(t, err)
				defer h2only.Close()
				req, err := http.NewRequest(http.MethodGet, url, nil)
				require.NoError(t, err)
				_, err = h2only.RoundTrip(req)
				require.Error(t, err)
				require.ErrorIs(t, err, alpn.ErrALPN)
				require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
				t.Logf("HTTP/2-only client: %v", err)
			})
		}
	}
}
