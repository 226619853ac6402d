package plexotel

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexhttp/plex"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// harness is a Client wired to Metrics and a ManualReader.
type harness struct {
	reader *sdkmetric.ManualReader
	m      *Metrics
	c      *plex.Client
	closed chan plex.ConnClosed
}

func newHarness(t *testing.T, opts ...plex.Option) *harness {
	t.Helper()
	h := &harness{reader: sdkmetric.NewManualReader(), closed: make(chan plex.ConnClosed, 16)}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	m, err := New(WithMeterProvider(mp))
	require.NoError(t, err)
	h.m = m
	opts = append(opts, plex.WithEventListener(m.Listener()),
		plex.WithEventListener(&plex.EventListener{ConnClosed: func(e plex.ConnClosed) { h.closed <- e }}))
	h.c, err = plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { h.c.Close() })
	require.NoError(t, m.Observe(h.c))
	t.Cleanup(func() { m.Close() })
	return h
}

func (h *harness) waitClosed(t *testing.T) plex.ConnClosed {
	t.Helper()
	select {
	case e := <-h.closed:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no connection closed within 10s")
		return plex.ConnClosed{}
	}
}

func (h *harness) collect(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

func (h *harness) get(t *testing.T, url string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := h.c.Do(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// sumWhere adds the data points of an int sum whose attributes include want.
func sumWhere(t *testing.T, m metricdata.Metrics, want ...attribute.KeyValue) int64 {
	t.Helper()
	s, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	var n int64
	for _, dp := range s.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Value
		}
	}
	return n
}

// histWhere returns the count and sum of a histogram's points whose
// attributes include want.
func histWhere(t *testing.T, m metricdata.Metrics, want ...attribute.KeyValue) (uint64, float64) {
	t.Helper()
	hd, ok := m.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	var n uint64
	var sum float64
	for _, dp := range hd.DataPoints {
		if hasAll(dp.Attributes, want) {
			n += dp.Count
			sum += dp.Sum
		}
	}
	return n, sum
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func tlsServer(t *testing.T, h2 bool, h http.Handler) (*httptest.Server, *tls.Config) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
}

// TestSemanticConventionMetrics drives both protocols through requests
// and an idle timeout and reads every metric back.
func TestSemanticConventionMetrics(t *testing.T) {
	for _, tc := range []struct {
		h2      bool
		version string
	}{{false, "1.1"}, {true, "2"}} {
		t.Run(tc.version, func(t *testing.T) {
			srv, tlsCfg := tlsServer(t, tc.h2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello")
			}))
			h := newHarness(t, plex.WithTLSConfig(tlsCfg), plex.WithIdleConnTimeout(300*time.Millisecond))
			origin := plex.Origin{Scheme: "https", Addr: srv.Listener.Addr().String()}
			server := []attribute.KeyValue{serverAddrKey.String(origin.Host()), serverPortKey.Int(origin.Port())}
			version := protoVersionKey.String(tc.version)

			h.get(t, srv.URL)
			h.get(t, srv.URL)
			got := h.collect(t)
			require.Equal(t, int64(1), sumWhere(t, got[OpenConnections], append(server, version, connStateKey.String("idle"))...))
			require.Equal(t, int64(0), sumWhere(t, got[OpenConnections], append(server, version, connStateKey.String("active"))...))
			require.Equal(t, int64(0), sumWhere(t, got[ActiveRequests], server...))
			n, _ := histWhere(t, got[RequestDuration], append(server, version, methodKey.String("GET"), statusKey.Int(200))...)
			require.Equal(t, uint64(2), n)
			n, _ = histWhere(t, got[DialDuration], server...)
			require.Equal(t, uint64(1), n)

			cl := h.waitClosed(t)
			require.Equal(t, plex.CloseIdleTimeout, cl.Reason)
			got = h.collect(t)
			require.Equal(t, int64(0), sumWhere(t, got[OpenConnections], server...))
			n, sum := histWhere(t, got[ConnectionDuration], append(server, version)...)
			require.Equal(t, uint64(1), n)
			require.GreaterOrEqual(t, sum, 0.3, "the connection lived at least the idle timeout")
			require.Equal(t, int64(1), sumWhere(t, got[ConnectionCloses], append(server, CloseReasonKey.String("idle_timeout"))...))

			// The event-driven figures agree with the Client's own counters.
			st := h.c.OriginStats()
			require.Len(t, st, 1)
			var closes uint64
			for _, c := range st[0].Closed {
				closes += c
			}
			require.Equal(t, closes, n)
			require.Equal(t, int64(st[0].Dials), int64(1))
		})
	}
}

// TestHTTP2Metrics: a graceful shutdown's GOAWAY and the reset of an
// aborted handler are counted; the reset (INTERNAL_ERROR) may follow
// processing, so it causes no retry.
func TestHTTP2Metrics(t *testing.T) {
	srv, tlsCfg := tlsServer(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
	}))
	h := newHarness(t, plex.WithTLSConfig(tlsCfg), plex.WithMaxRetries(1))
	h.get(t, srv.URL)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/abort", nil)
	require.NoError(t, err)
	_, err = h.c.RoundTrip(req)
	require.Error(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Config.Shutdown(ctx))
	cl := h.waitClosed(t)
	require.Equal(t, plex.ClosePeerGoAway, cl.Reason)

	got := h.collect(t)
	require.Equal(t, int64(1), sumWhere(t, got[GoAways], H2ErrorCodeKey.Int64(0)))
	require.Equal(t, int64(1), sumWhere(t, got[StreamResets], H2ErrorCodeKey.Int64(2), ResetSentKey.Bool(false)))
	require.NotContains(t, got, Retries, "no retry recorded")
	require.Equal(t, int64(1), sumWhere(t, got[ConnectionCloses], CloseReasonKey.String("peer_goaway")))
	n, _ := histWhere(t, got[RequestDuration], errorTypeKey.String("maybe_processed"), protoVersionKey.String("2"))
	require.Equal(t, uint64(1), n, "the aborted request, reset before any response")
	st := h.c.OriginStats()
	require.Zero(t, st[0].Retries)
}

// TestRetryMetrics: a GET whose reused HTTP/1.1 connection the server
// closes before answering is sent again, and the retry is counted.
func TestRetryMetrics(t *testing.T) {
	var dropped atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/drop" && !dropped.Swap(true) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t)
	h.get(t, srv.URL)
	h.get(t, srv.URL+"/drop")
	got := h.collect(t)
	require.Equal(t, int64(1), sumWhere(t, got[Retries], methodKey.String("GET")))
	require.Equal(t, uint64(1), h.c.OriginStats()[0].Retries)
}
