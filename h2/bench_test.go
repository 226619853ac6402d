package h2

import (
	"io"
	"net/http"
	"testing"

	"golang.org/x/net/http2"
)

func BenchmarkClientConnGET(b *testing.B) {
	srv, cfg := startTLSServer(b)
	cc := dialTLS(b, srv, cfg)
	req, _ := http.NewRequest("GET", srv.URL+"/small", nil)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 64)
		for pb.Next() {
			resp, err := cc.RoundTrip(req)
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

func BenchmarkXNetTransportGET(b *testing.B) {
	srv, cfg := startTLSServer(b)
	tr := &http2.Transport{TLSClientConfig: cfg}
	b.Cleanup(tr.CloseIdleConnections)
	req, _ := http.NewRequest("GET", srv.URL+"/small", nil)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 64)
		for pb.Next() {
			resp, err := tr.RoundTrip(req)
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
	_ = io.EOF
}
