package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress redraws one status line on a terminal while a run goes: a bar
// towards the request count or the duration, requests so far, the rate over
// the last redraw, and failures.
//
// mu guards cur; the drawing goroutine is the only writer to w until stop
// returns.
type progress struct {
	w      io.Writer
	o      *options
	mu     sync.Mutex
	cur    *result
	stopCh chan struct{}
	wg     sync.WaitGroup
}

const progressEvery = 250 * time.Millisecond

func startProgress(w io.Writer, o *options) *progress {
	p := &progress{w: w, o: o, stopCh: make(chan struct{})}
	p.wg.Go(p.loop)
	return p
}

// follow makes r the run the line shows.
func (p *progress) follow(r *result) {
	p.mu.Lock()
	p.cur = r
	p.mu.Unlock()
}

// stop ends the drawing and erases the line.
func (p *progress) stop() {
	close(p.stopCh)
	p.wg.Wait()
	fmt.Fprint(p.w, "\r\033[K")
}

func (p *progress) loop() {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	var last *result
	var lastDone int64
	lastAt := time.Now()
	for {
		select {
		case <-p.stopCh:
			return
		case now := <-t.C:
			p.mu.Lock()
			r := p.cur
			p.mu.Unlock()
			if r == nil {
				continue
			}
			if r != last {
				last, lastDone, lastAt = r, 0, r.started
			}
			done := r.done.Load()
			rate := float64(done-lastDone) / now.Sub(lastAt).Seconds()
			lastDone, lastAt = done, now
			fmt.Fprint(p.w, "\r\033[K"+progressLine(p.o, r.name, done, r.failed.Load(), now.Sub(r.started), rate))
		}
	}
}

// progressLine is the status line's text.
func progressLine(o *options, name string, done, failed int64, elapsed time.Duration, rate float64) string {
	frac := 0.0
	if o.requests > 0 {
		frac = float64(done+failed) / float64(o.requests)
	} else if o.duration > 0 {
		frac = float64(elapsed) / float64(o.duration)
	}
	frac = min(max(frac, 0), 1)
	const width = 30
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	line := fmt.Sprintf("%s [%s] %3.0f%%  %d done  %.0f req/s", name, bar, frac*100, done, rate)
	if failed > 0 {
		line += fmt.Sprintf("  %d failed", failed)
	}
	return line
}
