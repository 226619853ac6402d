package main

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// runCount sends p.count requests one after another on one connection and
// times each, for downloads too long to fit a fixed duration. One small
// request to "/" first opens the connection (TCP, TLS, SETTINGS): it moves
// no flow-control window, so the first timed request starts from a fresh
// connection's windows, and each timed request costs only its own round
// trip on top of its transfer.
func runCount(p *params) (Result, error) {
	cs, err := newClients(p)
	if err != nil {
		return Result{}, err
	}
	defer cs.close()
	w, ok := cs.newWorker(0).(*rtWorker)
	if !ok {
		return Result{}, errors.New("-n needs an http.RoundTripper client (plex, net-http, x-net)")
	}
	root := *p.url
	root.Path, root.RawQuery = "/", ""
	warmReq := *w.req
	warmReq.URL = &root
	warm := *w
	warm.req = &warmReq
	if _, err := warm.do(); err != nil {
		return Result{}, fmt.Errorf("opening the connection with GET /: %w", err)
	}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u0, t0 := selfUsage(), time.Now()
	res := Result{}
	var moved int64
	for range p.count {
		start := time.Now()
		n, err := w.do()
		secs := time.Since(start).Seconds()
		if err != nil {
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
			continue
		}
		res.Requests++
		moved += n
		res.RequestMbps = append(res.RequestMbps, float64(n)*8/secs/1e6)
	}
	res.Seconds = time.Since(t0).Seconds()
	used := selfUsage().sub(u0)
	runtime.ReadMemStats(&after)
	res.MaxRSSKiB = maxRSSKiB()
	if res.Requests > 0 {
		n := float64(res.Requests)
		res.ReqPerSec = n / res.Seconds
		perRequest(&res, used)
		res.Allocs = float64(after.Mallocs-before.Mallocs) / n
		res.AllocBytes = float64(after.TotalAlloc-before.TotalAlloc) / n
		res.MBPerSec = float64(moved) / res.Seconds / 1e6
	}
	return res, nil
}
