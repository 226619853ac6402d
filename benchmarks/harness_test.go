package benchmarks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var smallBody = []byte("hello, world")

func smallHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write(smallBody)
}

// startServer starts Go's server on loopback, cleartext or TLS (HTTP/1.1
// only, so that every client speaks the same protocol).
func startServer(b *testing.B, tls bool) *httptest.Server {
	s := httptest.NewUnstartedServer(http.HandlerFunc(smallHandler))
	s.Config.MaxHeaderBytes = 1 << 16
	if tls {
		s.TLS = nil
		s.StartTLS()
		s.TLS.NextProtos = []string{"http/1.1"}
	} else {
		s.Start()
	}
	b.Cleanup(s.Close)
	return s
}

// runConcurrent calls do b.N times from conc goroutines and reports the
// process CPU time per request next to ns/op. The server runs in this
// process too, so cpu-ns/op is client plus server; compare clients by it
// only within one run.
func runConcurrent(b *testing.B, conc int, do func() error) {
	b.ReportAllocs()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	cpu0 := cpuTime()
	b.ResetTimer()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := do(); err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// getOnce sends one GET through rt and reads the whole body.
func getOnce(rt http.RoundTripper, req *http.Request) error {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = &statusError{resp.StatusCode}
	}
	return err
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "unexpected status " + http.StatusText(e.code) }
