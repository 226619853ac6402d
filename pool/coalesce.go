package pool

import (
	"context"
	"slices"

	"github.com/plexhttp/plex/internal/event"
)

// CoalesceFunc decides whether a request for key may go on a connection
// opened for another origin (RFC 9113 §9.1.1): it returns the index in
// conns of one that may carry it, or -1. conns are open multiplexed
// connections of other https origins, reached directly, each with a free
// slot when the pool looked. The pool calls it without its lock held, so
// it may block (to resolve key's host, say) until ctx, the request's, ends.
type CoalesceFunc func(ctx context.Context, key Key, conns []Conn) int

// coalescable reports whether requests for key may borrow another
// origin's connection, and key's connections be lent. Only a TLS
// certificate can show that a server speaks for another name, and through
// a proxy the address the name resolves to says nothing about where the
// connection goes; OkHttp draws the same lines.
func (k Key) coalescable() bool {
	return k.Scheme == "https" && k.MayMultiplex && k.Proxy == ""
}

// ownsNothingLocked reports whether h, nil for an origin without a record,
// has no conn and no dial of its own: only then does a request for it look
// at other origins' connections. An origin that dials or has conns uses
// them, as it would without coalescing.
func ownsNothingLocked(h *host) bool {
	return h == nil || len(h.conns) == 0 && len(h.dials) == 0
}

// borrowLocked finds a connection of another origin for key and reserves a
// slot on it, or returns nil. A connection already lent to key is taken
// without asking again; otherwise Config.Coalesce is asked about every
// candidate, with mu released meanwhile. Entered and left with mu held;
// the caller must check p.closed again when it returns nil.
func (p *Pool) borrowLocked(ctx context.Context, key Key) (pc *pconn, info GotInfo, first bool) {
	for _, pc := range p.lent[key] {
		if !pc.dead && reserveMux(pc) {
			return pc, p.takeBorrowedLocked(pc, key), false
		}
	}
	var cands []*pconn
	for k, h := range p.hosts {
		if k == key || !k.coalescable() {
			continue
		}
		for _, pc := range h.mux {
			if !pc.dead && !pc.noLend && pc.c.Available() > 0 {
				cands = append(cands, pc)
			}
		}
	}
	if len(cands) == 0 {
		return nil, GotInfo{}, false
	}
	conns := make([]Conn, len(cands))
	for i, pc := range cands {
		conns[i] = pc.c
	}
	p.mu.Unlock()
	i := p.cfg.Coalesce(ctx, key, conns)
	p.mu.Lock()
	if i < 0 || i >= len(cands) || p.closed {
		return nil, GotInfo{}, false
	}
	pc = cands[i]
	if pc.dead || pc.removed || pc.noLend || !reserveMux(pc) {
		return nil, GotInfo{}, false
	}
	if !slices.Contains(pc.lentTo, key) {
		pc.lentTo = append(pc.lentTo, key)
		p.lent[key] = append(p.lent[key], pc)
		first = true
	}
	return pc, p.takeBorrowedLocked(pc, key), first
}

// logLent logs that pc was lent to key for the first time; called
// without mu, as all logging is.
func (p *Pool) logLent(key Key, pc *pconn) {
	p.log.Debug("pool: connection coalesced", "origin", key.Scheme+"://"+key.Addr,
		"conn", uint64(pc.id), "conn_origin", pc.h.key.Scheme+"://"+pc.h.key.Addr)
}

// takeBorrowedLocked is takeLocked for a slot on a conn of another
// origin: the request counts as key's.
func (p *Pool) takeBorrowedLocked(pc *pconn, key Key) GotInfo {
	p.originLocked(key).gets++
	info := p.takeLocked(pc)
	info.Coalesced = true
	return info
}

// unlendLocked forgets every origin pc was lent to.
func (p *Pool) unlendLocked(pc *pconn) {
	for _, k := range pc.lentTo {
		rest := slices.DeleteFunc(p.lent[k], func(q *pconn) bool { return q == pc })
		if len(rest) == 0 {
			delete(p.lent, k)
		} else {
			p.lent[k] = rest
		}
	}
	pc.lentTo = nil
}

// Misdirected records that c, lent to key, answered a request for key
// with 421 (Misdirected Request): the server does not speak for key there.
// c is lent to no origin from then on, as OkHttp does, since its server's
// idea of which names it serves is not what its certificate says; requests
// already on it finish. The request is then sent with GetOwn.
func (p *Pool) Misdirected(key Key, c Conn) {
	var id event.ConnID
	p.mu.Lock()
	for _, pc := range p.lent[key] {
		if pc.c == c {
			pc.noLend = true
			p.unlendLocked(pc)
			id = pc.id
			break
		}
	}
	p.mu.Unlock()
	if id != 0 && p.log != nil {
		p.log.Debug("pool: coalesced request misdirected; connection no longer lent",
			"origin", key.Scheme+"://"+key.Addr, "conn", uint64(id))
	}
}

// GetOwn is Get among key's own connections only: it never borrows one of
// another origin, whatever Config.Coalesce says. A request that a
// borrowed connection answered with 421 is sent again through it.
func (p *Pool) GetOwn(ctx context.Context, key Key) (Conn, GotInfo, error) {
	return p.get(ctx, key, false)
}
