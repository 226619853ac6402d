package pool

import (
	"math/rand/v2"
	"time"

	"github.com/plexhttp/plex/internal/event"
)

// Retiring conns by age and by request count spreads load behind a load
// balancer: a long-lived HTTP/2 conn would otherwise pin every request to
// the backend the balancer picked when it was dialed. A retired conn takes
// no new requests (the pool treats it as dead) and is closed once the
// requests under way on it end, so nothing in flight is cut short.

// setLimitsLocked gives pc, just added, its retirement points. Each is
// lowered by a random amount of up to a tenth, so that conns dialed
// together do not all retire, and redial, at the same moment.
func (p *Pool) setLimitsLocked(pc *pconn, now time.Time) {
	if d := p.cfg.MaxConnAge; d > 0 {
		pc.retireAt = now.Add(d - time.Duration(jitter(int64(d))))
	}
	if n := p.cfg.MaxConnRequests; n > 0 {
		pc.maxRequests = uint64(int64(n) - jitter(int64(n)))
	}
}

// jitter returns a random amount in [0, n/10].
func jitter(n int64) int64 {
	if n/10 <= 0 {
		return 0
	}
	return rand.Int64N(n/10 + 1)
}

// countRequestLocked notes that pc was handed one more request, and retires
// it once that was its last. It still has that request in flight, so it is
// closed later, when its hook reports it drained.
func (p *Pool) countRequestLocked(pc *pconn) {
	pc.requests++
	if pc.maxRequests > 0 && pc.requests >= pc.maxRequests {
		p.retireLocked(pc, event.CloseMaxRequests, nil)
	}
}

// retireAgedLocked retires h's conns that reached their maximum age by
// now. It walks h.conns from the end, as a removal moves the last conn into
// the removed one's place.
func (p *Pool) retireAgedLocked(h *host, a *after) {
	if p.cfg.MaxConnAge <= 0 || len(h.conns) == 0 {
		return
	}
	now := time.Now()
	for i := len(h.conns) - 1; i >= 0; i-- {
		pc := h.conns[i]
		if !pc.dead && !pc.retireAt.IsZero() && !now.Before(pc.retireAt) {
			p.retireLocked(pc, event.CloseMaxAge, a)
		}
	}
}

// retireLocked stops pc from taking new requests and closes it now if it
// has none in flight; otherwise refreshLocked closes it, with reason why,
// when the last one ends. a may be nil only when pc has requests in flight.
func (p *Pool) retireLocked(pc *pconn, why event.CloseReason, a *after) {
	if pc.dead || pc.removed {
		return
	}
	pc.dead, pc.retired, pc.retireWhy = true, true, why
	pc.h.free.remove(pc)
	p.unmarkIdleLocked(pc)
	if pc.c.InFlight() == 0 && a != nil {
		p.removeConnLocked(pc, a, why)
	}
}

// drainedReason is the close reason of a dead conn with nothing left in
// flight: the retirement's, or the conn's own account of why it died.
func (pc *pconn) drainedReason() event.CloseReason {
	if pc.retired {
		return pc.retireWhy
	}
	return deadReason
}
