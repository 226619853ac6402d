package plex_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// tlsNetConns returns what GotConnInfo.Conn's NetConn gives for one GET
// over HTTP/major, and, when that is not the socket itself, what its own
// NetConn gives.
func tlsNetConns(t *testing.T, rt http.RoundTripper, url string, major int) (first, second net.Conn) {
	t.Helper()
	var got net.Conn
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i.Conn }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, major, resp.ProtoMajor)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	tc, ok := got.(*tls.Conn)
	require.True(t, ok, "GotConnInfo.Conn is %T", got)
	first = tc.NetConn()
	if u, ok := first.(interface{ NetConn() net.Conn }); ok {
		second = u.NetConn()
	}
	return first, second
}

// On Linux plex's TLS connections sit on a thin wrapper of the socket
// (internal/sockio: raw non-blocking reads and writes, sparing the
// runtime's monitor thread a wake-up per round trip). net/http's tls.Conn
// sits on the *net.TCPConn itself; plex's wrapper gives it one NetConn
// further down. Both protocols, side by side with net/http.
func TestTLSNetConnUnwrapsToTheTCPConn(t *testing.T) {
	for _, major := range []int{1, 2} {
		t.Run("h"+strconv.Itoa(major), func(t *testing.T) {
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			s.EnableHTTP2 = major == 2
			s.StartTLS()
			defer s.Close()
			roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs

			tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: major == 2}
			defer tr.CloseIdleConnections()
			first, _ := tlsNetConns(t, tr, s.URL, major)
			require.IsType(t, &net.TCPConn{}, first, "net/http")

			protos := []plex.Protocol{plex.HTTP1}
			if major == 2 {
				protos = []plex.Protocol{plex.HTTP2}
			}
			c, err := plex.New(plex.WithTLSConfig(&tls.Config{RootCAs: roots}), plex.WithProtocols(protos...))
			require.NoError(t, err)
			defer c.Close()
			first, second := tlsNetConns(t, c, s.URL, major)
			require.NotNil(t, second, "plex: %T has no NetConn", first)
			require.IsType(t, &net.TCPConn{}, second, "plex")
			require.Equal(t, first.LocalAddr(), second.LocalAddr())
		})
	}
}
