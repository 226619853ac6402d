package main

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/plexhttp/plex/internal/hdr"
)

// snapshot is the process counters at one instant.
type snapshot struct {
	at      time.Time
	cpu     time.Duration
	nvcsw   int64
	mallocs uint64
	bytes   uint64
	done    int64
	rbytes  int64
}

// cpuTime returns the process's CPU time and its voluntary context switches.
func cpuTime() (time.Duration, int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), int64(ru.Nvcsw)
}

func maxRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}

// runLoad keeps p.inFlight requests going for p.warmup, then measures for
// p.duration. Requests that finish after the measurement ends are not
// counted; their cost is small next to the measured window.
func runLoad(p *params) (Result, error) {
	cs, err := newClients(p)
	if err != nil {
		return Result{}, err
	}
	defer cs.close()
	var (
		done, rbytes, failed atomic.Int64
		measuring            atomic.Bool
		firstErr             atomic.Value
		hist                 hdr.Histogram
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for i := range p.inFlight {
		w := cs.newWorker(i)
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				n, err := w.do()
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				if measuring.Load() {
					hist.Record(time.Since(t0))
				}
				done.Add(1)
				rbytes.Add(n)
			}
		})
	}
	take := func() snapshot {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		cpu, nvcsw := cpuTime()
		return snapshot{at: time.Now(), cpu: cpu, nvcsw: nvcsw, mallocs: ms.Mallocs, bytes: ms.TotalAlloc,
			done: done.Load(), rbytes: rbytes.Load()}
	}
	time.Sleep(p.warmup)
	failed.Store(0)
	stopProfiles, err := startProfiles(p)
	if err != nil {
		cancel()
		cs.close()
		wg.Wait()
		return Result{}, err
	}
	a := take()
	measuring.Store(true)
	time.Sleep(p.duration)
	b := take()
	if err := stopProfiles(); err != nil {
		cancel()
		cs.close()
		wg.Wait()
		return Result{}, err
	}
	cancel()
	// Requests in flight end when the clients close their connections.
	cs.close()
	wg.Wait()

	res := Result{Seconds: b.at.Sub(a.at).Seconds(), Requests: b.done - a.done, Failed: failed.Load(), MaxRSSKiB: maxRSSKiB()}
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	if res.Requests > 0 {
		n := float64(res.Requests)
		res.ReqPerSec = n / res.Seconds
		res.CPUMicros = float64((b.cpu - a.cpu).Microseconds()) / n
		res.Allocs = float64(b.mallocs-a.mallocs) / n
		res.AllocBytes = float64(b.bytes-a.bytes) / n
		res.Wakeups = float64(b.nvcsw-a.nvcsw) / n
		res.P50Micros = float64(hist.Quantile(0.5).Microseconds())
		res.P99Micros = float64(hist.Quantile(0.99).Microseconds())
		moved := b.rbytes - a.rbytes + int64(p.bodySize)*res.Requests
		res.MBPerSec = float64(moved) / res.Seconds / 1e6
	}
	return res, nil
}

// measureIdle opens p.idle connections by holding that many slow requests
// at once, waits for them to finish, and reports the Go heap and stacks plus
// the resident memory they added, per connection.
func measureIdle(p *params) (Result, error) {
	if p.proto != "h1" {
		p.conns = p.idle
		p.inFlight = p.idle
	}
	cs, err := newClients(p)
	if err != nil {
		return Result{}, err
	}
	defer cs.close()
	workers := make([]worker, p.idle)
	for i := range workers {
		workers[i] = cs.newWorker(i)
	}
	if p.memProf != "" {
		runtime.MemProfileRate = 1
	}
	before := inUse()
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for _, w := range workers {
		wg.Go(func() {
			if _, err := w.do(); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
		})
	}
	wg.Wait()
	// Connections return to the idle pool just after the response body is
	// read; give their read loops a moment to park before measuring.
	time.Sleep(200 * time.Millisecond)
	after := inUse()
	if p.memProf != "" {
		if err := writeHeapProfile(p.memProf); err != nil {
			return Result{}, err
		}
	}
	res := Result{Requests: int64(p.idle) - failed.Load(), Failed: failed.Load(), MaxRSSKiB: maxRSSKiB()}
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	res.IdleConnKiB = float64(after-before) / 1024 / float64(p.idle)
	runtime.KeepAlive(workers)
	return res, nil
}

func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}
