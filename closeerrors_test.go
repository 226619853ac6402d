package plex_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// Do after Close fails as http.Client.Do fails: a *url.Error, here around
// ErrClientClosed, so code that unwraps url.Error finds the cause.
func TestDoAfterCloseIsURLError(t *testing.T) {
	c, err := plex.New()
	require.NoError(t, err)
	require.NoError(t, c.Close())
	req, err := http.NewRequest(http.MethodGet, "http://example.test/", nil)
	require.NoError(t, err)
	_, err = c.Do(req)
	var ue *url.Error
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "Get", ue.Op)
	require.Equal(t, "http://example.test/", ue.URL)
	require.ErrorIs(t, err, plex.ErrClientClosed)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, plex.ErrClientClosed, "RoundTrip, like http.Transport's, is not wrapped")
}

// A response body still being read when Client.Close is called fails with
// an error matching ErrClientClosed, on both protocols, so the reader can
// tell its own shutdown from a server's failure.
func TestBodyCutByCloseIsErrClientClosed(t *testing.T) {
	for _, proto := range []string{"HTTP/1.1", "HTTP/2.0"} {
		t.Run(proto, func(t *testing.T) {
			release := make(chan struct{})
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "first")
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-release:
				}
			}))
			s.EnableHTTP2 = true
			s.StartTLS()
			defer s.Close()
			defer close(release)
			protos := []plex.Protocol{plex.HTTP2}
			if proto == "HTTP/1.1" {
				protos = []plex.Protocol{plex.HTTP1}
			}
			roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
			c, err := plex.New(plex.WithTLSConfig(&tls.Config{RootCAs: roots}), plex.WithProtocols(protos...))
			require.NoError(t, err)
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, proto, resp.Proto)
			buf := make([]byte, 5)
			_, err = io.ReadFull(resp.Body, buf)
			require.NoError(t, err)
			require.NoError(t, c.Close())
			_, err = io.ReadAll(resp.Body)
			require.ErrorIs(t, err, plex.ErrClientClosed, "%v", err)
		})
	}
}
