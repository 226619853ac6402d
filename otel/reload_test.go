package plexotel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
)

// startNginx starts a real nginx for the test, or skips when it is not
// installed.
func startNginx(t *testing.T) *realserver.Server {
	t.Helper()
	certs, err := realserver.DefaultCerts()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	srv, err := realserver.Start(ctx, realserver.Nginx, realserver.Options{Dir: t.TempDir(), Certs: certs, IdleTimeout: 30 * time.Second})
	if errors.Is(err, realserver.ErrNotInstalled) {
		t.Skip(err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	return srv
}

func fetch(t *testing.T, c *plex.Client, url string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestMetricsThroughRealReload: nginx, idle timeout then graceful reload;
// the OTel metrics record each connection's end with its reason and
// duration, and agree with the Client's OriginStats.
func TestMetricsThroughRealReload(t *testing.T) {
	srv := startNginx(t)
	for _, tc := range []struct {
		proto   realserver.Proto
		plex    plex.Protocol
		version string
		reason  string
	}{
		{realserver.H2, plex.HTTP2, "2", "peer_goaway"},
		{realserver.H1, plex.HTTP1, "1.1", "peer_close"},
	} {
		t.Run(string(tc.proto), func(t *testing.T) {
			url, ok := srv.URL(tc.proto)
			require.True(t, ok)
			h := newHarness(t, plex.WithTLSConfig(srv.ClientTLS()), plex.WithProtocols(tc.plex),
				plex.WithIdleConnTimeout(time.Second))
			version := protoVersionKey.String(tc.version)

			// Our idle timeout ends the first connection.
			fetch(t, h.c, url+realserver.SmallFile)
			require.Equal(t, plex.CloseIdleTimeout, h.waitClosed(t).Reason)

			// A reload with a download in flight ends the second.
			req, err := http.NewRequest(http.MethodGet, url+realserver.File16M, nil)
			require.NoError(t, err)
			resp, err := h.c.RoundTrip(req)
			require.NoError(t, err)
			_, err = io.ReadFull(resp.Body, make([]byte, 1024))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			require.NoError(t, srv.Reload(ctx))
			_, err = io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			var cl plex.ConnClosed
			if tc.proto == realserver.H2 {
				cl = h.waitClosed(t)
			} else {
				// HTTP/1.1: the next requests find the old worker's close.
				cl = closeOnRequests(t, h, url+realserver.SmallFile)
			}
			require.Equal(t, tc.reason, cl.Reason.String())

			got := h.collect(t)
			st := h.c.OriginStats()
			require.Len(t, st, 1)
			var closes uint64
			for _, n := range st[0].Closed {
				closes += n
			}
			n, sum := histWhere(t, got[ConnectionDuration], version)
			require.Equal(t, closes, n, "one connection.duration per close the Client counted")
			require.Equal(t, uint64(2), n)
			require.GreaterOrEqual(t, sum, 1.0, "the first connection lived at least the idle timeout")
			require.Equal(t, int64(st[0].Closed[plex.CloseIdleTimeout]), sumWhere(t, got[ConnectionCloses], CloseReasonKey.String("idle_timeout")))
			require.Equal(t, int64(1), sumWhere(t, got[ConnectionCloses], CloseReasonKey.String(tc.reason)))
			if tc.proto == realserver.H2 {
				require.Equal(t, int64(1), sumWhere(t, got[GoAways], H2ErrorCodeKey.Int64(0)))
			}
			reqs, _ := histWhere(t, got[RequestDuration], version, statusKey.Int(200))
			require.Equal(t, st[0].Requests-st[0].Retries, reqs, "one request.duration per request")
			dials, _ := histWhere(t, got[DialDuration])
			require.Equal(t, st[0].Dials, dials)
			open := sumWhere(t, got[OpenConnections], attribute.String("url.scheme", "https"))
			open += sumWhere(t, got[OpenConnections], attribute.String("url.scheme", "http"))
			require.Equal(t, int64(st[0].HTTP1Conns+st[0].HTTP2Conns), open)
		})
	}
}

func closeOnRequests(t *testing.T, h *harness, url string) plex.ConnClosed {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		fetch(t, h.c, url)
		select {
		case e := <-h.closed:
			return e
		default:
		}
	}
	t.Fatal("no connection closed within 10s of requests")
	return plex.ConnClosed{}
}
