package benchmarks

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/plexhttp/plex"
)

// BenchmarkH1SmallGET: GET of a 12-byte body over HTTP/1.1 at 1, 16 and 256
// requests in flight, plex against net/http and fasthttp on the same server.
func BenchmarkH1SmallGET(b *testing.B) {
	for _, secure := range []bool{false, true} {
		for _, conc := range []int{1, 16, 256} {
			name := fmt.Sprintf("tls=%v/conc=%d", secure, conc)
			b.Run(name+"/client=plex", func(b *testing.B) {
				s := startServer(b, secure)
				c, err := plex.New(
					plex.WithTLSConfig(rootsOf(s.Client())),
					plex.WithProtocols(plex.HTTP1),
					plex.WithMaxIdleConnsPerHost(conc),
				)
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/", nil)
				runConcurrent(b, conc, func() error { return getOnce(c, req) })
			})
			b.Run(name+"/client=net-http", func(b *testing.B) {
				s := startServer(b, secure)
				tr := &http.Transport{
					TLSClientConfig:     rootsOf(s.Client()),
					MaxIdleConnsPerHost: conc,
				}
				defer tr.CloseIdleConnections()
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/", nil)
				runConcurrent(b, conc, func() error { return getOnce(tr, req) })
			})
			b.Run(name+"/client=fasthttp", func(b *testing.B) {
				s := startServer(b, secure)
				hc := &fasthttp.HostClient{Addr: strings.TrimPrefix(strings.TrimPrefix(s.URL, "https://"), "http://"),
					IsTLS: secure, TLSConfig: rootsOf(s.Client()), MaxConns: conc}
				defer hc.CloseIdleConnections()
				runConcurrent(b, conc, func() error {
					req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
					defer fasthttp.ReleaseRequest(req)
					defer fasthttp.ReleaseResponse(resp)
					req.SetRequestURI(s.URL + "/")
					if err := hc.Do(req, resp); err != nil {
						return err
					}
					if resp.StatusCode() != http.StatusOK {
						return &statusError{resp.StatusCode()}
					}
					return nil
				})
			})
		}
	}
}

// rootsOf trusts what the httptest server's own client trusts.
func rootsOf(hc *http.Client) *tls.Config {
	cfg := hc.Transport.(*http.Transport).TLSClientConfig
	if cfg == nil {
		return nil
	}
	return &tls.Config{RootCAs: cfg.RootCAs}
}
