package benchmarks

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
)

const mib = 1 << 20

var mibBody = bytes.Repeat([]byte("0123456789abcdef"), mib/16)

func h2Handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/mib":
		w.Header().Set("Content-Length", strconv.Itoa(len(mibBody)))
		w.Write(mibBody)
	case "/upload":
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	default:
		smallHandler(w, r)
	}
}

// startH2Server starts Go's HTTP/2 server over TLS, allowing more streams
// than any benchmark keeps in flight, so every client stays on one
// connection.
func startH2Server(b *testing.B) *httptest.Server {
	s := httptest.NewUnstartedServer(http.HandlerFunc(h2Handler))
	s.EnableHTTP2 = true
	s.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 1000}
	s.StartTLS()
	b.Cleanup(s.Close)
	return s
}

type h2Client struct {
	name string
	new  func(b *testing.B, s *httptest.Server) http.RoundTripper
}

var h2Clients = []h2Client{
	{"plex", func(b *testing.B, s *httptest.Server) http.RoundTripper {
		c, err := plex.New(plex.WithTLSConfig(rootsOf(s.Client())), plex.WithProtocols(plex.HTTP2))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		return c
	}},
	{"x-net-http2", func(b *testing.B, s *httptest.Server) http.RoundTripper {
		tr := &http2.Transport{TLSClientConfig: rootsOf(s.Client())}
		b.Cleanup(tr.CloseIdleConnections)
		return tr
	}},
}

// BenchmarkH2SmallGET: a 12-byte GET at 1, 16 and 256 streams in flight on
// one connection.
func BenchmarkH2SmallGET(b *testing.B) {
	for _, conc := range []int{1, 16, 256} {
		for _, cl := range h2Clients {
			b.Run(fmt.Sprintf("conc=%d/client=%s", conc, cl.name), func(b *testing.B) {
				s := startH2Server(b)
				rt := cl.new(b, s)
				req, _ := http.NewRequest(http.MethodGet, s.URL+"/", nil)
				runConcurrent(b, conc, func() error { return getOnce(rt, req) })
			})
		}
	}
}

// BenchmarkH2Download1MiB: one 1 MiB response at a time.
func BenchmarkH2Download1MiB(b *testing.B) {
	for _, cl := range h2Clients {
		b.Run("client="+cl.name, func(b *testing.B) {
			s := startH2Server(b)
			rt := cl.new(b, s)
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/mib", nil)
			b.SetBytes(mib)
			runConcurrent(b, 1, func() error { return getOnce(rt, req) })
		})
	}
}

// BenchmarkH2Upload1MiB: one 1 MiB request body at a time.
func BenchmarkH2Upload1MiB(b *testing.B) {
	for _, cl := range h2Clients {
		b.Run("client="+cl.name, func(b *testing.B) {
			s := startH2Server(b)
			rt := cl.new(b, s)
			b.SetBytes(mib)
			runConcurrent(b, 1, func() error {
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/upload", bytes.NewReader(mibBody))
				return getOnce(rt, req)
			})
		})
	}
}
