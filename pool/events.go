package pool

import (
	"context"
	"time"

	"github.com/plexhttp/plex/internal/event"
)

type connIDKey struct{}

// DialConnID returns the id the pool gave the conn being dialed with ctx,
// or 0. Only a pool with Config.Events set puts it there.
func DialConnID(ctx context.Context) event.ConnID {
	id, _ := ctx.Value(connIDKey{}).(event.ConnID)
	return id
}

// deadReason stands, in removeConnLocked, for "ask the conn why it died".
const deadReason = event.NumCloseReasons

// reasonOf asks a conn that stopped taking requests why; a conn that
// cannot tell broke. Called under Pool.mu, which comes before the conn's
// lock.
func reasonOf(c Conn) (event.CloseReason, uint32) {
	if r, ok := c.(event.Reasoner); ok {
		return r.CloseReason()
	}
	return event.CloseError, 0
}

func protocolOf(pc *pconn) string {
	if pc.mux {
		return event.ProtoHTTP2
	}
	return event.ProtoHTTP1
}

// noteCloseLocked counts pc's close and queues its event and log line for
// after the unlock. Every conn a dial returned comes here exactly once.
func (p *Pool) noteCloseLocked(pc *pconn, a *after, why event.CloseReason, code uint32) {
	pc.h.counts.closed[why]++
	if p.ev == nil && p.log == nil {
		return
	}
	ev := event.ConnClosed{
		Conn:     pc.id,
		Origin:   pc.h.origin(),
		Protocol: protocolOf(pc),
		Reason:   why,
		Code:     code,
		Requests: pc.requests,
	}
	if !pc.openedAt.IsZero() {
		ev.Age = time.Since(pc.openedAt)
	}
	a.closed = append(a.closed, closedConn{ev: ev, conns: len(pc.h.conns)})
}

type closedConn struct {
	ev    event.ConnClosed
	conns int // conns left to the host
}

// queued times one wait for a slot, when the pool has a listener; its zero
// value, on a pool without one, does nothing.
type queued struct {
	start   time.Time
	waiting int
	queued  bool // still queued after the pump: it did wait
}

func (q *queued) fire(l *event.Listener, key Key) {
	if l.RequestQueued != nil {
		l.RequestQueued(event.RequestQueued{Origin: originOf(key), Waiting: q.waiting})
	}
}

func (q *queued) done(l *event.Listener, key Key, id event.ConnID, err error) {
	if !q.queued || l.RequestDequeued == nil {
		return
	}
	l.RequestDequeued(event.RequestDequeued{Origin: originOf(key), Conn: id, Wait: time.Since(q.start), Err: err})
}

func originOf(key Key) event.Origin {
	return event.Origin{Scheme: key.Scheme, Addr: key.Addr}
}
