package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/plexhttp/plex/internal/hdr"
)

// job is one load run: one URL through a set of clients, each carrying
// perClient of the requests in flight.
type job struct {
	name      string
	setup     string
	clients   []http.RoundTripper
	perClient int
	url       *url.URL
	o         *options
	// conns, when set, counts the connections the clients dialed.
	conns func() int
	// summarize, when set, reports the clients' connection events and
	// per-origin stats as the run ends.
	summarize func() *connSummary
}

// result is what a run measured. The counters of a run in progress are
// atomics; the maps are merged from the workers when the run ends.
type result struct {
	name, setup string
	url         string
	proto       string
	started     time.Time
	elapsed     time.Duration
	interrupted bool
	conns       int
	connEvents  *connSummary // nil for clients that report none

	done     atomic.Int64 // responses read to the end, any status
	failed   atomic.Int64 // requests that ended in an error
	bytesIn  atomic.Int64 // response body bytes
	bytesOut atomic.Int64 // request body bytes sent
	hist     hdr.Histogram
	statuses map[int]int64
	errs     map[string]int64
}

// worker state is private to its goroutine and merged at the end, so the
// hot loop shares nothing but atomic counters.
type workerState struct {
	proto    string
	statuses map[int]int64
	errs     map[string]int64
}

// run keeps the job's requests going until the request count is reached,
// the duration is up, or ctx ends (the user interrupted: the result says
// so). live, when not nil, is the result being filled, for the progress bar.
func (j *job) run(ctx context.Context, live func(*result)) *result {
	r := &result{name: j.name, setup: j.setup, url: j.url.String(), statuses: map[int]int64{}, errs: map[string]int64{}}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if j.o.duration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, j.o.duration)
		defer cancel()
	}
	var issued atomic.Int64
	lim := newLimiter(j.o.rate)
	states := make([]workerState, len(j.clients)*j.perClient)
	var wg sync.WaitGroup
	r.started = time.Now()
	lim.start(r.started)
	if live != nil {
		live(r)
	}
	for i := range states {
		rt := j.clients[i/j.perClient]
		wg.Go(func() { states[i] = j.worker(runCtx, rt, &issued, lim, r) })
	}
	wg.Wait()
	r.elapsed = time.Since(r.started)
	r.interrupted = ctx.Err() != nil
	for _, w := range states {
		if w.proto != "" {
			r.proto = w.proto
		}
		for k, v := range w.statuses {
			r.statuses[k] += v
		}
		for k, v := range w.errs {
			r.errs[k] += v
		}
	}
	if j.conns != nil {
		r.conns = j.conns()
	}
	if j.summarize != nil {
		r.connEvents = j.summarize()
	}
	return r
}

func (j *job) worker(ctx context.Context, rt http.RoundTripper, issued *atomic.Int64, lim *limiter, r *result) workerState {
	w := workerState{statuses: map[int]int64{}, errs: map[string]int64{}}
	buf := make([]byte, 32<<10)
	for ctx.Err() == nil {
		if j.o.requests > 0 && issued.Add(1) > int64(j.o.requests) {
			break
		}
		if !lim.wait(ctx) {
			break
		}
		t0 := time.Now()
		status, proto, n, err := j.once(ctx, rt, buf)
		if err != nil {
			if ctx.Err() != nil {
				break // the run ended (time up or interrupted): not a failure
			}
			r.failed.Add(1)
			w.errs[errorKind(err)]++
			continue
		}
		r.hist.Record(time.Since(t0))
		r.done.Add(1)
		r.bytesIn.Add(n)
		r.bytesOut.Add(int64(len(j.o.body)))
		w.statuses[status]++
		w.proto = proto
	}
	return w
}

// once sends one request and reads its body to the end.
func (j *job) once(ctx context.Context, rt http.RoundTripper, buf []byte) (status int, proto string, n int64, err error) {
	rctx, cancel := context.WithTimeout(ctx, j.o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, j.o.method, j.url.String(), nil)
	if err != nil {
		return 0, "", 0, err
	}
	for k, v := range j.o.header {
		req.Header[k] = v
	}
	if j.o.host != "" {
		req.Host = j.o.host
	}
	if body := j.o.body; body != nil {
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.Body, _ = req.GetBody()
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	for {
		m, rerr := resp.Body.Read(buf)
		n += int64(m)
		if rerr == io.EOF {
			return resp.StatusCode, resp.Proto, n, nil
		}
		if rerr != nil {
			return 0, "", n, rerr
		}
	}
}

// errorKind groups errors for the summary: timeouts, then what the network
// said (connection refused, reset, TLS), then the message itself.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return "tls: certificate not trusted (-k skips the check)"
	}
	var errno syscall.Errno
	var oe *net.OpError
	if errors.As(err, &oe) {
		if errors.As(err, &errno) {
			return oe.Op + " error (" + errno.Error() + ")"
		}
		return oe.Op + " error"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "dns error (" + dnsErr.Err + ")"
	}
	return err.Error()
}
