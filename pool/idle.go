package pool

import (
	"time"

	"github.com/plexhttp/plex/internal/event"
)

// markIdleLocked puts pc, which has nothing in flight, on the idle lists and
// makes sure the expiry timer will look at it.
func (p *Pool) markIdleLocked(pc *pconn) {
	pc.idleAt = pc.c.IdleSince()
	if pc.idleAt.IsZero() {
		pc.idleAt = time.Now()
	}
	pc.h.idle.pushFront(pc)
	p.idle.pushFront(pc)
	if p.cfg.IdleConnTimeout > 0 {
		p.armTimerLocked(pc.idleAt.Add(p.cfg.IdleConnTimeout))
	}
}

func (p *Pool) unmarkIdleLocked(pc *pconn) {
	pc.h.idle.remove(pc)
	p.idle.remove(pc)
}

// trimIdleLocked enforces MaxIdleConnsPerHost on h and MaxIdleConns on the
// pool by closing the least recently idle conns above the limits. It runs
// after the pump, so a waiter always gets a freed conn before it counts as
// idle.
func (p *Pool) trimIdleLocked(h *host, a *after) {
	for h.idle.n > p.maxIdlePerHost {
		p.evictLocked(h.idle.tail, a, event.CloseIdleLimit)
	}
	if p.cfg.MaxIdleConns > 0 {
		for p.idle.n > p.cfg.MaxIdleConns {
			p.evictLocked(p.idle.tail, a, event.CloseIdleLimit)
		}
	}
}

func (p *Pool) evictLocked(pc *pconn, a *after, why event.CloseReason) {
	p.removeConnLocked(pc, a, why)
	pc.h.counts.expired++
	p.forgetIfEmptyLocked(pc.h)
}

// expireLocked closes the idle conns that have been idle for
// IdleConnTimeout or longer at now. It depends on nothing but now and the
// pool's state, so tests drive it exactly with a fake clock.
func (p *Pool) expireLocked(now time.Time, a *after) {
	for pc := p.idle.head; pc != nil; {
		next := p.idle.next(pc)
		if !now.Before(pc.idleAt.Add(p.cfg.IdleConnTimeout)) {
			p.evictLocked(pc, a, event.CloseIdleTimeout)
		}
		pc = next
	}
}

// nextExpiryLocked returns when the next idle conn expires.
func (p *Pool) nextExpiryLocked() (time.Time, bool) {
	var first time.Time
	for pc := p.idle.head; pc != nil; pc = p.idle.next(pc) {
		if first.IsZero() || pc.idleAt.Before(first) {
			first = pc.idleAt
		}
	}
	if first.IsZero() {
		return time.Time{}, false
	}
	return first.Add(p.cfg.IdleConnTimeout), true
}

// armTimerLocked makes the idle timer fire no later than at. A timer armed
// for an earlier time is left alone: when it fires it re-arms for whatever
// expires next, so the hot path rarely touches the timer.
func (p *Pool) armTimerLocked(at time.Time) {
	if p.timerArmed && !at.Before(p.timerAt) {
		return
	}
	d := time.Until(at)
	if p.timer == nil {
		p.timer = time.AfterFunc(d, p.onIdleTimer)
	} else {
		p.timer.Reset(d)
	}
	p.timerArmed, p.timerAt = true, at
}

func (p *Pool) onIdleTimer() {
	var a after
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.timerArmed = false
	p.expireLocked(time.Now(), &a)
	if at, ok := p.nextExpiryLocked(); ok {
		p.armTimerLocked(at)
	}
	p.mu.Unlock()
	a.run(p)
}
