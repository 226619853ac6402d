package h2

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
)

func BenchmarkClientConnGET(b *testing.B) {
	srv, cfg := startTLSServer(b)
	benchParallelGET(b, dialTLS(b, srv, cfg), srv.URL+"/small")
}

func BenchmarkXNetTransportGET(b *testing.B) {
	srv, cfg := startTLSServer(b)
	tr := &http2.Transport{TLSClientConfig: cfg}
	b.Cleanup(tr.CloseIdleConnections)
	benchParallelGET(b, tr, srv.URL+"/small")
}

// benchParallelGET sends GETs of url through rt from 8×GOMAXPROCS
// goroutines, reading each body to its end.
func benchParallelGET(b *testing.B, rt http.RoundTripper, url string) {
	benchParallel(b, rt, url, 8, 64)
}

// benchParallel sends GETs of url through rt from par×GOMAXPROCS
// goroutines, reading each body to its end in reads of readSize bytes.
func benchParallel(b *testing.B, rt http.RoundTripper, url string, par, readSize int) {
	req, _ := http.NewRequest("GET", url, nil)
	b.ReportAllocs()
	b.SetParallelism(par)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, readSize)
		for pb.Next() {
			resp, err := rt.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			for {
				if _, err := resp.Body.Read(buf); err != nil {
					break
				}
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkClientConnDownload1MiB reads 1 MiB bodies, 8 at a time on one
// connection: what receive flow control costs (WINDOW_UPDATE frames) shows
// here.
func BenchmarkClientConnDownload1MiB(b *testing.B) {
	srv, cfg := startTLSServer(b)
	benchParallelDownload(b, dialTLS(b, srv, cfg), srv.URL+"/download?n=1048576")
}

func BenchmarkXNetTransportDownload1MiB(b *testing.B) {
	srv, cfg := startTLSServer(b)
	tr := &http2.Transport{TLSClientConfig: cfg}
	b.Cleanup(tr.CloseIdleConnections)
	benchParallelDownload(b, tr, srv.URL+"/download?n=1048576")
}

func benchParallelDownload(b *testing.B, rt http.RoundTripper, url string) {
	b.SetBytes(1 << 20)
	benchParallel(b, rt, url, 4, 32<<10)
}

// BenchmarkClientConnPOST uploads small bodies of declared length from
// 8×GOMAXPROCS goroutines: what an upload adds to a request's cost.
func BenchmarkClientConnPOST(b *testing.B) {
	srv, cfg := startTLSServer(b)
	rt := dialTLS(b, srv, cfg)
	payload := []byte("hello, upload")
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		br := bytes.NewReader(nil)
		req, _ := http.NewRequest("POST", srv.URL+"/upload", nil)
		body := io.NopCloser(br)
		buf := make([]byte, 64)
		for pb.Next() {
			br.Reset(payload)
			req.Body, req.ContentLength = body, int64(len(payload))
			resp, err := rt.RoundTrip(req)
			if err != nil {
				b.Error(err)
				return
			}
			for {
				if _, err := resp.Body.Read(buf); err != nil {
					break
				}
			}
			resp.Body.Close()
		}
	})
}
