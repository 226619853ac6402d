package h2

import (
	"context"
	"encoding/binary"
	"time"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/timeout"
)

type pingKind uint8

const (
	pingUser   pingKind = iota // Ping: the caller waits on ch
	pingHealth                 // ReadIdleTimeout health check
	pingReset                  // proves the peer saw our RST_STREAMs, and that it lives
)

// pendingPing is one PING awaiting its ACK.
type pendingPing struct {
	kind   pingKind
	ch     chan struct{} // pingUser: closed on ACK
	timer  *time.Timer   // internal pings: closes the conn after PingTimeout
	resets int           // pingReset: reset streams this PING covers
}

// pingState tracks outstanding PINGs. Guarded by ClientConn.mu.
type pingState struct {
	seq       uint64
	out       map[[8]byte]*pendingPing
	healthOut bool
	resetOut  bool
	// unpinged counts reset streams sent after the outstanding reset PING,
	// to be covered by the next one if the budget allows it.
	unpinged int
	budget   pingBudget
}

func (p *pingState) init() {
	p.out = make(map[[8]byte]*pendingPing)
	p.budget = newPingBudget()
}

func (p *pingState) next() [8]byte {
	p.seq++
	var d [8]byte
	binary.BigEndian.PutUint64(d[:], p.seq)
	return d
}

func (p *pingState) stopAll() {
	for _, pp := range p.out {
		if pp.timer != nil {
			pp.timer.Stop()
		}
	}
}

// startPingLocked registers an internal PING whose ACK must arrive within
// PingTimeout; the caller writes it after unlocking (a.ping).
func (cc *ClientConn) startPingLocked(kind pingKind, resets int, a *actions) {
	data := cc.pings.next()
	why := "health check"
	if kind == pingReset {
		why = "check after a stream reset"
	}
	d := cc.cfg.PingTimeout
	cc.pings.out[data] = &pendingPing{kind: kind, resets: resets, timer: time.AfterFunc(d, func() {
		cc.pingTimedOut(data, why, d)
	})}
	cc.pings.budget.sent(time.Now(), len(cc.streams) > 0)
	a.ping, a.pingData = true, data
}

func (cc *ClientConn) pingTimedOut(data [8]byte, why string, d time.Duration) {
	cc.mu.Lock()
	_, waiting := cc.pings.out[data]
	cc.mu.Unlock()
	if waiting {
		cc.closeWithError(timeout.Errorf("h2: PING (%s) unanswered for %v; connection presumed dead", why, d))
	}
}

// countResetLocked decides whether the RST_STREAM we are sending for cs
// goes with a PING. The PING finds a dead connection quickly after a
// timeout or cancellation, and until its ACK the reset stream counts
// against the slot limit, so that requests do not pile onto a connection
// that may not answer. It is needed only when nothing arrived since cs
// opened, and is sent at most once until HEADERS or DATA arrive (the rule
// net/http follows, golang/go#70575): PINGs in a row without either are
// what a strict server punishes (pingpolicy.go). A reset without a PING
// frees its slot at once.
func (cc *ClientConn) countResetLocked(cs *stream, a *actions) {
	if cc.framesRead.Load() != cs.framesAtOpen {
		return
	}
	switch {
	case cc.pings.resetOut:
		cc.slots.resets++
		cc.pings.unpinged++
	case cc.pings.budget.free():
		cc.slots.resets++
		cc.pings.resetOut = true
		cc.startPingLocked(pingReset, 1, a)
	}
}

// onReadIdle runs on the idle timer: nothing was read for ReadIdleTimeout.
func (cc *ClientConn) onReadIdle() {
	var a actions
	cc.mu.Lock()
	if cc.closed || cc.pings.healthOut {
		cc.mu.Unlock()
		return
	}
	now, streams := time.Now(), len(cc.streams) > 0
	if cc.pings.budget.strikesAfter(now, streams) > maxOwnPingStrikes {
		// Another PING now could cost the connection; look again once
		// one is allowed (a frame arriving meanwhile restarts the wait).
		cc.idleTimer.Reset(cc.pings.budget.allowedAt(streams).Sub(now))
		cc.mu.Unlock()
		return
	}
	cc.pings.healthOut = true
	cc.startPingLocked(pingHealth, 0, &a)
	cc.mu.Unlock()
	cc.run(&a)
}

// onPing answers the peer's PING or matches an ACK to ours.
func (cc *ClientConn) onPing(f *http2.PingFrame) error {
	if !f.IsAck() {
		w := &cc.w
		w.begin()
		w.noteLocked(w.fr.WritePing(true, f.Data))
		if w.trace != nil {
			w.traceWriteLocked(http2.FramePing, http2.FlagPingAck, 0, 8, pingSummary(f.Data))
		}
		return w.end()
	}
	var a actions
	cc.mu.Lock()
	if cc.bdpAckLocked(f.Data, &a) {
		cc.mu.Unlock()
		cc.run(&a)
		return nil
	}
	pp := cc.pings.out[f.Data]
	if pp == nil {
		// An ACK for a PING we gave up on, or never sent: nothing to do.
		cc.mu.Unlock()
		return nil
	}
	delete(cc.pings.out, f.Data)
	if pp.timer != nil {
		pp.timer.Stop()
	}
	switch pp.kind {
	case pingUser:
		close(pp.ch)
	case pingHealth:
		cc.pings.healthOut = false
	case pingReset:
		cc.slots.resets -= pp.resets
		cc.pings.resetOut = false
		if n := cc.pings.unpinged; n > 0 {
			cc.pings.unpinged = 0
			if cc.pings.budget.free() {
				cc.pings.resetOut = true
				cc.startPingLocked(pingReset, n, &a)
			} else {
				// The ACK shows the peer alive; another PING is not
				// worth what it could cost.
				cc.slots.resets -= n
			}
		}
		cc.slots.grant()
		a.changed = true
	}
	cc.mu.Unlock()
	cc.run(&a)
	return nil
}

// Ping sends a PING and waits for its ACK, ctx's end, or the connection's.
func (cc *ClientConn) Ping(ctx context.Context) error {
	cc.mu.Lock()
	if cc.closed {
		err := cc.err
		cc.mu.Unlock()
		return err
	}
	data := cc.pings.next()
	pp := &pendingPing{kind: pingUser, ch: make(chan struct{})}
	cc.pings.out[data] = pp
	cc.pings.budget.sent(time.Now(), len(cc.streams) > 0)
	cc.mu.Unlock()

	w := &cc.w
	w.begin()
	w.noteLocked(w.fr.WritePing(false, data))
	if w.trace != nil {
		w.traceWriteLocked(http2.FramePing, 0, 0, 8, pingSummary(data))
	}
	if err := w.end(); err != nil {
		err = writeFailure(err)
		cc.closeWithError(err)
		return err
	}
	select {
	case <-pp.ch:
		return nil
	case <-ctx.Done():
		cc.mu.Lock()
		delete(cc.pings.out, data)
		cc.mu.Unlock()
		return ctx.Err()
	case <-cc.done:
		cc.mu.Lock()
		err := cc.err
		cc.mu.Unlock()
		return err
	}
}
