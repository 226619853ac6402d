package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// startCleartext starts Go's server on cleartext speaking only HTTP/1.1
// (h2c false) or only HTTP/2 with prior knowledge (h2c true); its handler
// answers with the protocol the request came in.
func startCleartext(t *testing.T, h2c bool) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	s.Config.Protocols = new(http.Protocols)
	if h2c {
		s.Config.Protocols.SetUnencryptedHTTP2(true)
	} else {
		s.Config.Protocols.SetHTTP1(true)
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// TestCleartextProtocolPerOrigin: one Client in front of two cleartext
// backends, one speaking only h2c and one only HTTP/1.1, carries each
// request in the protocol its backend speaks, as WithCleartextProtocol
// chooses, and pools the two kinds of connection apart.
func TestCleartextProtocolPerOrigin(t *testing.T) {
	h2cSrv := startCleartext(t, true)
	h1Srv := startCleartext(t, false)
	h2cAddr := h2cSrv.Listener.Addr().String()

	choose := func(addr string) plex.Protocol {
		if addr == h2cAddr {
			return plex.UnencryptedHTTP2
		}
		return 0 // WithProtocols' rule: HTTP/1.1
	}
	var (
		mu     sync.Mutex
		opened = map[string]string{} // origin -> protocol of its connections
	)
	c, err := plex.New(
		plex.WithProtocols(plex.HTTP1, plex.HTTP2, plex.UnencryptedHTTP2),
		plex.WithCleartextProtocol(choose),
		plex.WithEventListener(&plex.EventListener{ConnOpened: func(e plex.ConnOpened) {
			mu.Lock()
			defer mu.Unlock()
			opened[e.Origin.String()] = opened[e.Origin.String()] + e.Protocol + " "
		}}),
	)
	require.NoError(t, err)
	defer c.Close()

	for range 3 {
		for _, tc := range []struct {
			srv   *httptest.Server
			proto string
			major int
		}{
			{h2cSrv, "HTTP/2.0", 2},
			{h1Srv, "HTTP/1.1", 1},
		} {
			resp, body := get(t, c, tc.srv.URL+"/")
			require.Equal(t, tc.proto, resp.Proto, tc.srv.URL)
			require.Equal(t, tc.major, resp.ProtoMajor)
			require.Equal(t, tc.proto, string(body), "the server got it in the same protocol")
		}
	}
	st := c.Stats()
	require.Equal(t, 1, st.HTTP2Conns, "one h2c connection carries all the h2c origin's requests")
	require.Equal(t, 1, st.HTTP1Conns)
	mu.Lock()
	require.Equal(t, map[string]string{h2cSrv.URL: "HTTP/2 ", h1Srv.URL: "HTTP/1.1 "}, opened, "one connection per origin, each in its protocol")
	mu.Unlock()

	// Without the option, WithProtocols' rule gives HTTP/1.1 to both and
	// the h2c-only backend cannot answer.
	plain, err := plex.New(plex.WithProtocols(plex.HTTP1, plex.HTTP2, plex.UnencryptedHTTP2))
	require.NoError(t, err)
	defer plain.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	u, err := url.Parse(h2cSrv.URL + "/")
	require.NoError(t, err)
	req := (&http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}).WithContext(ctx)
	_, err = plain.RoundTrip(req)
	require.ErrorContains(t, err, "h1: connection closed before response", "an h2c-only server drops an HTTP/1.1 request")
}
