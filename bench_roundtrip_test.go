package plex

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkClientRoundTrip is the whole request path through a Client,
// pool and connection included, against a local server on each protocol.
// It is the figure the event listener's cost is measured against: with no
// listener installed, its allocs/op must not move.
func BenchmarkClientRoundTrip(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "ok")
	})
	for _, proto := range []string{"h1", "h2"} {
		b.Run(proto, func(b *testing.B) {
			srv := httptest.NewUnstartedServer(handler)
			srv.EnableHTTP2 = proto == "h2"
			srv.StartTLS()
			defer srv.Close()
			tc := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
			c, err := New(WithTLSConfig(tc))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
