package pool

import "github.com/plexhttp/plex/internal/event"

// pumpLocked serves the host's queue head first: while a conn has a free
// slot, the head waiter gets it. Then it makes sure the waiters left over
// have a dial to count on, as far as the limits allow. Every change to the
// host (a hook fired, a dial finished, a waiter arrived) ends here.
func (p *Pool) pumpLocked(h *host, a *after) {
	p.retireAgedLocked(h, a)
	for w := h.waiters.head; w != nil; w = h.waiters.head {
		pc := h.reserveLocked()
		if pc == nil {
			break
		}
		info := p.takeLocked(pc)
		h.waiters.remove(w)
		p.waiting--
		w.ch <- handoff{pc: pc, info: info}
	}
	if h.waiters.head != nil {
		p.dialForWaitersLocked(h, a)
	}
}

// dialForWaitersLocked gives each queued waiter without one a dial to count
// on: an existing dial nobody counts on any more, else a new one within
// MaxConnsPerHost. Waiters never hold reservations, so the queue head can
// always take the next free slot.
func (p *Pool) dialForWaitersLocked(h *host, a *after) {
	if h.waiters.undialed == 0 {
		return
	}
	if h.key.MayMultiplex && h.proto != protoH1 {
		p.coalesceLocked(h, a)
		return
	}
	// Waiters get dials in queue order, so a failed dial fails the earliest
	// of them. Only waiters with a dial come before the first one without,
	// and there are no more of those than dials under way.
	next := 0 // scan position in h.dials for dials nobody counts on
	for w := h.waiters.head; w != nil && h.waiters.undialed > 0; w = w.next {
		if w.dial != nil {
			continue
		}
		for next < len(h.dials) && h.dials[next].waiters > 0 {
			next++
		}
		var d *dial
		if next < len(h.dials) {
			d = h.dials[next]
		} else if h.underLimitLocked(p.cfg.MaxConnsPerHost) {
			d = p.startDialLocked(h, w.ctx, a)
		} else {
			return
		}
		h.waiters.attach(w, d)
	}
}

// coalesceLocked handles an origin that is, or may be, multiplexed: at most
// one dial at a time, and every waiter without a dial counts on it, since
// one multiplexed conn may serve them all. In strict mode an origin with a
// usable multiplexed conn is not dialed at all: its waiters wait for slots.
// In default mode one more conn is dialed when the usable ones are full.
func (p *Pool) coalesceLocked(h *host, a *after) {
	if p.cfg.StrictMaxConcurrentStreams && h.usableMuxLocked() {
		return
	}
	if h.stalledMuxLocked() {
		// A conn the peer allows no streams yet (SETTINGS_MAX_CONCURRENT_STREAMS
		// of 0) is not busy, only waiting for new SETTINGS; dialing more
		// would likely get more of the same, without bound.
		return
	}
	var d *dial
	if len(h.dials) > 0 {
		d = h.dials[0]
	} else if h.underLimitLocked(p.cfg.MaxConnsPerHost) {
		d = p.startDialLocked(h, h.firstUndialedLocked().ctx, a)
	} else {
		return
	}
	// All waiters share the one dial, so order does not matter; new waiters
	// are at the tail, which makes this walk short on a busy origin.
	for w := h.waiters.tail; w != nil && h.waiters.undialed > 0; w = w.prev {
		if w.dial == nil {
			h.waiters.attach(w, d)
		}
	}
}

// connChanged is the hook a conn calls when a slot frees, its limit changes
// or it dies.
func (p *Pool) connChanged(pc *pconn) {
	var a after
	p.mu.Lock()
	if p.closed || pc.removed || pc.c == nil {
		// Closed, dropped, or still dialing: dialDone looks at the conn.
		p.mu.Unlock()
		return
	}
	h := pc.h
	p.refreshLocked(pc, &a)
	p.pumpLocked(h, &a)
	p.settleIdleLocked(pc)
	p.trimIdleLocked(h, &a)
	p.forgetIfEmptyLocked(h)
	p.mu.Unlock()
	a.run(p)
}

// refreshLocked brings the pool's view of pc up to date with the conn: a
// conn whose Err is set takes no new requests and leaves once it has nothing
// in flight; a free non-multiplexed conn goes on top of the free stack.
func (p *Pool) refreshLocked(pc *pconn, a *after) {
	h := pc.h
	if !pc.dead && pc.c.Err() != nil {
		pc.dead = true
		h.free.remove(pc)
		p.unmarkIdleLocked(pc)
	}
	inFlight := pc.c.InFlight()
	if pc.dead {
		switch {
		case detached(pc.c):
			p.removeConnLocked(pc, a, event.CloseProtocolSwitch)
		case inFlight == 0:
			p.removeConnLocked(pc, a, pc.drainedReason())
		}
		return
	}
	if !pc.mux && !h.free.contains(pc) && pc.c.Available() > 0 {
		h.free.pushFront(pc)
	}
}

// settleIdleLocked puts pc on the idle lists if, after the pump, it still
// has nothing in flight. Running after the pump means a conn handed straight
// to a waiter never counts as idle (GotInfo.WasIdle is false for it).
func (p *Pool) settleIdleLocked(pc *pconn) {
	if !pc.dead && !pc.removed && !pc.h.idle.contains(pc) && pc.c.InFlight() == 0 {
		p.markIdleLocked(pc)
	}
}

// removeConnLocked takes pc out of the pool and schedules its Close,
// unless the conn detached itself: then it is its new owner's to close.
func (p *Pool) removeConnLocked(pc *pconn, a *after, why event.CloseReason) {
	h := pc.h
	pc.removed = true
	p.unmarkIdleLocked(pc)
	h.dropConnLocked(pc)
	if len(pc.lentTo) > 0 {
		p.unlendLocked(pc)
	}
	if !detached(pc.c) {
		a.close = append(a.close, pc.c)
	}
	var code uint32
	if why == deadReason {
		why, code = reasonOf(pc.c)
	}
	p.noteCloseLocked(pc, a, why, code)
}

// forgetIfEmptyLocked drops a host with nothing left, so a client that
// visits many origins does not keep one record per origin forever. What was
// learnt of its protocol goes with it.
func (p *Pool) forgetIfEmptyLocked(h *host) {
	if h.emptyLocked() && p.hosts[h.key] == h {
		delete(p.hosts, h.key)
	}
}
