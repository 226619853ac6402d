package ecosystem_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/instrumentation/net/http/httptrace/otelhttptrace"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/plexhttp/plex"
)

// otelhttp with otelhttptrace.NewClientTrace, the usual way to see a
// request's phases as spans, works over plex as over http.Transport: on
// HTTP/2 (TLS and h2c) GotConnInfo.Conn is set (otelhttptrace reads its
// addresses) and the header fields are reported (its http.headers span),
// so the spans are the same on both transports.
func TestOtelHTTPTraceSpansMatchNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*httptest.Server)
		std   func(*http.Protocols)
		plex  []plex.Protocol
	}{
		{"HTTP2 over TLS", func(s *httptest.Server) { s.EnableHTTP2 = true; s.StartTLS() },
			func(p *http.Protocols) { p.SetHTTP1(true); p.SetHTTP2(true) }, []plex.Protocol{plex.HTTP1, plex.HTTP2}},
		{"h2c", func(s *httptest.Server) {
			s.Config.Protocols = new(http.Protocols)
			s.Config.Protocols.SetHTTP1(true)
			s.Config.Protocols.SetUnencryptedHTTP2(true)
			s.Start()
		}, func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) }, []plex.Protocol{plex.UnencryptedHTTP2}},
		{"HTTP1", func(s *httptest.Server) { s.Start() },
			func(p *http.Protocols) { p.SetHTTP1(true) }, []plex.Protocol{plex.HTTP1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello")
			}))
			tc.start(s)
			t.Cleanup(s.Close)
			var tlsCfg *tls.Config
			if s.TLS != nil {
				roots := x509.NewCertPool()
				roots.AddCert(s.Certificate())
				tlsCfg = &tls.Config{RootCAs: roots}
			}

			std := &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true, Protocols: new(http.Protocols)}
			tc.std(std.Protocols)
			t.Cleanup(std.CloseIdleConnections)
			c, err := plex.New(plex.WithTLSConfig(tlsCfg), plex.WithProtocols(tc.plex...))
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })

			want := otelSpans(t, std, s.URL)
			got := otelSpans(t, c, s.URL)
			require.Contains(t, got, "http.headers")
			require.Contains(t, got, "http.getconn")
			require.Equal(t, want, got, "net/http (expected) vs plex (actual)")
		})
	}
}

// otelSpans sends two GETs (a fresh and a reused connection) through rt
// wrapped by otelhttp with otelhttptrace's client trace, and returns the
// names of the spans ended, sorted.
func otelSpans(t *testing.T, rt http.RoundTripper, url string) []string {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	hc := &http.Client{Transport: otelhttp.NewTransport(rt,
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithClientTrace(func(ctx context.Context) *httptrace.ClientTrace {
			return otelhttptrace.NewClientTrace(ctx, otelhttptrace.WithTracerProvider(tp))
		}),
	)}
	for range 2 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/", nil)
		require.NoError(t, err)
		resp, err := hc.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "hello", string(b))
		require.NoError(t, resp.Body.Close())
	}
	var names []string
	for _, s := range exp.GetSpans() {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names
}
