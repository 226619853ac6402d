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
	usage   usage
	mallocs uint64
	bytes   uint64
	done    int64
	rbytes  int64
}

// usage is what the kernel counts for a process: CPU time and context
// switches. A voluntary switch is a wait (for the network, a lock, a
// channel: the thread sleeps and is woken again), so voluntary switches per
// request count the client's wake-ups; involuntary ones are preemptions.
type usage struct {
	cpu         time.Duration
	vcsw, ivcsw int64
}

func (u usage) sub(v usage) usage {
	return usage{cpu: u.cpu - v.cpu, vcsw: u.vcsw - v.vcsw, ivcsw: u.ivcsw - v.ivcsw}
}

// selfUsage sums every thread of this process (RUSAGE_SELF).
func selfUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), vcsw: ru.Nvcsw, ivcsw: ru.Nivcsw}
}

// perRequest fills res's CPU and context-switch figures from the counters
// of the window in which res.Requests completed.
func perRequest(res *Result, u usage) {
	if res.Requests <= 0 {
		return
	}
	n := float64(res.Requests)
	res.CPUMicros = float64(u.cpu.Nanoseconds()) / 1e3 / n
	res.Vcsw = float64(u.vcsw) / n
	res.Ivcsw = float64(u.ivcsw) / n
}

func maxRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss
}

// maxWarmup bounds the wait for every caller's first request: a client
// that cannot open its connections by then is measured as it is.
const maxWarmup = 20 * time.Second

// runLoad keeps p.inFlight requests going for p.warmup and until every
// caller has finished one request, then measures for p.duration. Requests
// that finish after the measurement ends are not counted; their cost is
// small next to the measured window.
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
	start := make(chan struct{})
	// warm is closed once every caller has finished a request: its
	// connection is open and its handshake is out of the measurement.
	warm := make(chan struct{})
	var cold atomic.Int64
	cold.Store(int64(p.inFlight))
	var wg sync.WaitGroup
	for i := range p.inFlight {
		w := cs.newWorker(i)
		wg.Go(func() {
			<-start
			first := true
			for ctx.Err() == nil {
				t0 := time.Now()
				n, err := w.do()
				if first {
					first = false
					if cold.Add(-1) == 0 {
						close(warm)
					}
				}
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
	// The callers' goroutines and requests are built and parked: what the
	// load adds to this is what the client holds for the requests in flight.
	var idleMem uint64
	if p.streamMem {
		idleMem = inUse()
	}
	close(start)
	take := func() snapshot {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return snapshot{at: time.Now(), usage: selfUsage(), mallocs: ms.Mallocs, bytes: ms.TotalAlloc,
			done: done.Load(), rbytes: rbytes.Load()}
	}
	time.Sleep(p.warmup)
	select {
	case <-warm:
	case <-time.After(maxWarmup):
	}
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
	measuring.Store(false)
	if err := stopProfiles(); err != nil {
		cancel()
		cs.close()
		wg.Wait()
		return Result{}, err
	}
	// Sampled while every request is still in flight, after a collection so
	// that only live memory counts.
	var loadMem uint64
	if p.streamMem {
		loadMem = inUse()
	}
	cancel()
	// Requests in flight end when the clients close their connections.
	cs.close()
	wg.Wait()

	res := Result{Seconds: b.at.Sub(a.at).Seconds(), Requests: b.done - a.done, Failed: failed.Load(), MaxRSSKiB: maxRSSKiB()}
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	if p.streamMem && loadMem > idleMem {
		res.StreamKiB = float64(loadMem-idleMem) / 1024 / float64(p.inFlight)
	}
	if res.Requests > 0 {
		n := float64(res.Requests)
		perRequest(&res, b.usage.sub(a.usage))
		res.ReqPerSec = n / res.Seconds
		res.Allocs = float64(b.mallocs-a.mallocs) / n
		res.AllocBytes = float64(b.bytes-a.bytes) / n
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
