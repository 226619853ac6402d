package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/testcert"
)

// The count mode opens its one connection with GET / and then times each
// download on that same connection, so the first timed download starts on
// a fresh connection's windows without paying for its handshake.
func TestCountModeTimesEachDownloadOnTheConnectionItOpened(t *testing.T) {
	certs, err := testcert.New()
	require.NoError(t, err)
	dir := t.TempDir()
	_, _, caFile, err := certs.WriteFiles(dir)
	require.NoError(t, err)

	var mu sync.Mutex
	var paths []string
	conns := 0
	body := make([]byte, 300_000)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.TLS = certs.ServerTLS("h2")
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	for _, client := range []string{"plex", "x-net"} {
		mu.Lock()
		paths, conns = nil, 0
		mu.Unlock()
		u, err := url.Parse(srv.URL + "/bytes?n=300000")
		require.NoError(t, err)
		p := &params{client: client, proto: "h2", url: u, caFile: caFile,
			inFlight: 1, conns: 1, count: 3}
		res, err := runCount(p)
		require.NoError(t, err, client)
		require.Equal(t, int64(3), res.Requests, client)
		require.Zero(t, res.Failed, client)
		require.Len(t, res.RequestMbps, 3, client)
		for _, r := range res.RequestMbps {
			require.Positive(t, r, client)
		}
		mu.Lock()
		require.Equal(t, []string{"/", "/bytes?n=300000", "/bytes?n=300000", "/bytes?n=300000"}, paths, client)
		require.Equal(t, 1, conns, client)
		mu.Unlock()
	}
}
