package pool

import (
	"slices"
	"time"

	"github.com/plexhttp/plex/internal/event"
)

// proto is what the pool knows of an origin's protocol.
type proto int

const (
	protoUnknown proto = iota // no conn seen yet
	protoH1                   // the last conn dialed was not multiplexed
	protoH2                   // the last conn dialed was multiplexed
)

// host is the per-origin set: its open conns, dials under way and the FIFO
// of waiting requests. All fields are guarded by Pool.mu.
type host struct {
	key     Key
	conns   []*pconn // every open conn, indexed by pconn.idx
	mux     []*pconn // the multiplexed ones among conns
	dials   []*dial  // dials under way
	waiters waitQueue
	free    connList // non-multiplexed conns with a free slot, most recently used first
	idle    connList // idle conns, most recently idle first
	proto   proto
	counts  *counters // the origin's, shared by its hosts (Pool.origins)
	// spread makes equally loaded multiplexed conns take turns (see
	// Config.MinConnsPerHost); turn counts the turns.
	spread bool
	turn   uint64
}

// newHostLocked adds a host for key, with the counters of its origin.
func (p *Pool) newHostLocked(key Key) *host {
	h := &host{key: key, free: connList{id: freeList}, idle: connList{id: hostIdleList}, counts: p.originLocked(key),
		spread: p.cfg.MinConnsPerHost > 1}
	p.hosts[key] = h
	return h
}

// originLocked returns the counters of key's origin, made on first use.
func (p *Pool) originLocked(key Key) *counters {
	o := event.Origin{Scheme: key.Scheme, Addr: key.Addr}
	oc := p.origins[o]
	if oc == nil {
		oc = &counters{}
		p.origins[o] = oc
	}
	return oc
}

func (h *host) origin() event.Origin {
	return event.Origin{Scheme: h.key.Scheme, Addr: h.key.Addr}
}

// pconn is the pool's record of one conn. h and onChange are set before the
// dial starts and never change; c and mux are set, under Pool.mu, when the
// dial succeeds. The rest is guarded by Pool.mu.
type pconn struct {
	h        *host
	id       event.ConnID
	onChange func()
	c        Conn // nil while dialing
	mux      bool
	used     bool      // a request was handed this conn before
	dead     bool      // Err was seen non-nil: no new requests
	removed  bool      // no longer in the pool; hooks are ignored
	idx      int       // position in h.conns
	idleAt   time.Time // IdleSince when it went on the idle lists
	openedAt time.Time // set when the dial succeeds, if Pool.ev is set
	requests uint64    // requests handed this conn
	// Retirement (age.go): retireAt and maxRequests are set when the conn
	// joins the pool, zero for no limit; retired marks a conn made dead by
	// them, to be closed with retireWhy once drained.
	retireAt    time.Time
	maxRequests uint64
	retired     bool
	retireWhy   event.CloseReason
	// quietSince is the conn's own IdleSince when reserveMuxLocked took a
	// slot on it while nothing was in flight, zero otherwise; takeLocked
	// reads and clears it.
	quietSince time.Time
	links      [numLists]link
	// lentTo lists the other origins this conn carries requests for
	// (Config.Coalesce); noLend is set once it misdirected one of them,
	// and it is lent no more.
	lentTo []Key
	noLend bool
}

// reserveLocked finds a conn with a free slot and reserves it, or returns
// nil. Multiplexed conns go first, the least loaded one; then the most
// recently used free non-multiplexed conn, in O(1).
func (h *host) reserveLocked() *pconn {
	if len(h.mux) > 0 {
		if pc := h.reserveMuxLocked(); pc != nil {
			return pc
		}
	}
	for pc := h.free.head; pc != nil; pc = h.free.head {
		// Taken off the list whether or not Reserve works: a conn that
		// refuses has changed state, and its hook will put it back.
		h.free.remove(pc)
		if pc.c.Reserve() {
			return pc
		}
	}
	return nil
}

func (h *host) reserveMuxLocked() *pconn {
	var best *pconn
	bestLoad := 0
	n := len(h.mux)
	start := h.spreadStart(n)
	for i := range n {
		pc := h.mux[(start+i)%n]
		if pc.dead || pc.c.Available() <= 0 {
			continue
		}
		if load := pc.c.InFlight(); best == nil || load < bestLoad {
			best, bestLoad = pc, load
		}
	}
	if best == nil {
		return nil
	}
	if reserveMux(best) {
		return best
	}
	// The conn's state moved under us (a GOAWAY, new SETTINGS); any other
	// conn that still takes a request will do.
	for _, pc := range h.mux {
		if pc != best && !pc.dead && reserveMux(pc) {
			return pc
		}
	}
	return nil
}

// reserveMux reserves a slot on the multiplexed pc, noting whether it had
// nothing in flight. A multiplexed conn whose last stream just ended
// calls its hook from its own reader, so it may not be on the idle lists
// yet when the next request comes; GotInfo.WasIdle must not depend on
// that race. net/http, too, asks the connection (no streams open).
func reserveMux(pc *pconn) bool {
	var quiet time.Time
	if pc.c.InFlight() == 0 {
		quiet = pc.c.IdleSince()
	}
	if !pc.c.Reserve() {
		return false
	}
	pc.quietSince = quiet
	return true
}

// usableMuxLocked reports whether the origin has a multiplexed conn that
// still takes new requests, full or not.
func (h *host) usableMuxLocked() bool {
	for _, pc := range h.mux {
		if !pc.dead {
			return true
		}
	}
	return false
}

// stalledMuxLocked reports whether a usable multiplexed conn has no free
// slot although nothing is in flight on it.
func (h *host) stalledMuxLocked() bool {
	for _, pc := range h.mux {
		if !pc.dead && pc.c.InFlight() == 0 && pc.c.Available() == 0 {
			return true
		}
	}
	return false
}

// firstUndialedLocked returns the earliest waiter without a dial; the
// caller knows there is one. Its context lends the dial its values.
func (h *host) firstUndialedLocked() *waiter {
	w := h.waiters.head
	for w.dial != nil {
		w = w.next
	}
	return w
}

// underLimitLocked reports whether one more dial fits in MaxConnsPerHost.
func (h *host) underLimitLocked(maxConns int) bool {
	return maxConns <= 0 || len(h.conns)+len(h.dials) < maxConns
}

func (h *host) addConnLocked(pc *pconn) {
	pc.idx = len(h.conns)
	h.conns = append(h.conns, pc)
	if pc.mux {
		h.mux = append(h.mux, pc)
	}
}

func (h *host) dropConnLocked(pc *pconn) {
	last := len(h.conns) - 1
	h.conns[pc.idx] = h.conns[last]
	h.conns[pc.idx].idx = pc.idx
	h.conns[last] = nil
	h.conns = h.conns[:last]
	if pc.mux {
		if i := slices.Index(h.mux, pc); i >= 0 {
			h.mux = slices.Delete(h.mux, i, i+1)
		}
	}
	h.free.remove(pc)
}

func (h *host) emptyLocked() bool {
	return len(h.conns) == 0 && len(h.dials) == 0 && h.waiters.n == 0
}
