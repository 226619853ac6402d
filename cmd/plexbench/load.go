package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// job is one load run: one client, one URL.
type job struct {
	name        string
	setup       string
	client      http.RoundTripper
	url         string
	method      string
	requests    int           // 0: run for duration
	duration    time.Duration // used when requests is 0
	concurrency int
	timeout     time.Duration
}

// result is what a run measured.
type result struct {
	name     string
	setup    string
	proto    string
	done     int
	failed   int
	bytes    int64
	elapsed  time.Duration
	lat      []time.Duration // sorted
	statuses map[int]int
	errs     map[string]int
}

// worker state is private to its goroutine and merged at the end, so the
// hot loop shares nothing but the request counter.
type workerResult struct {
	lat      []time.Duration
	bytes    int64
	failed   int
	proto    string
	statuses map[int]int
	errs     map[string]int
}

// newJob is a run of o's load through rt.
func newJob(o *options, name, setup string, rt http.RoundTripper, url string) *job {
	return &job{name: name, setup: setup, client: rt, url: url, method: o.method, requests: o.requests,
		duration: o.duration, concurrency: o.concurrency, timeout: o.timeout}
}

// runAll runs the jobs one after another, stopping early when ctx ends,
// prints the table and gives the exit code. Each job's done func releases
// its client.
func runAll(ctx context.Context, stdout io.Writer, jobs []*job, dones []func()) int {
	var results []result
	for i, j := range jobs {
		results = append(results, j.run(ctx))
		dones[i]()
		if ctx.Err() != nil {
			fmt.Fprintln(stdout, "interrupted: showing what was measured so far")
			for _, d := range dones[i+1:] {
				d()
			}
			break
		}
	}
	printTable(stdout, results)
	return exitCode(results)
}

func (j *job) run(ctx context.Context) result {
	if j.duration > 0 && j.requests == 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.duration)
		defer cancel()
	}
	var next atomic.Int64
	results := make([]workerResult, j.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range results {
		wg.Go(func() { results[i] = j.worker(ctx, &next) })
	}
	wg.Wait()
	r := result{name: j.name, setup: j.setup, elapsed: time.Since(start), statuses: map[int]int{}, errs: map[string]int{}}
	for _, w := range results {
		r.lat = append(r.lat, w.lat...)
		r.bytes += w.bytes
		r.failed += w.failed
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
	r.done = len(r.lat)
	sort.Slice(r.lat, func(a, b int) bool { return r.lat[a] < r.lat[b] })
	return r
}

func (j *job) worker(ctx context.Context, next *atomic.Int64) workerResult {
	w := workerResult{statuses: map[int]int{}, errs: map[string]int{}}
	for ctx.Err() == nil {
		if j.requests > 0 && next.Add(1) > int64(j.requests) {
			break
		}
		rctx, cancel := context.WithTimeout(ctx, j.timeout)
		req, err := http.NewRequestWithContext(rctx, j.method, j.url, nil)
		if err != nil {
			cancel()
			w.failed++
			w.errs[errorKind(err)]++
			break
		}
		t0 := time.Now()
		resp, err := j.client.RoundTrip(req)
		if err == nil {
			var n int64
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			w.bytes += n
			w.statuses[resp.StatusCode]++
			w.proto = resp.Proto
		}
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				break // the run ended (time up or interrupted): not a failure
			}
			w.failed++
			w.errs[errorKind(err)]++
			continue
		}
		w.lat = append(w.lat, time.Since(t0))
	}
	return w
}

// errorKind groups errors for the summary.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Op + " error"
	}
	return err.Error()
}

// percentile of sorted latencies; p in [0,100].
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(lat)-1))
	return lat[i]
}
