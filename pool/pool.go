// Package pool keeps the connections of a client, per origin, for HTTP/1.1
// and HTTP/2 alike. It knows nothing about protocols: a connection is either
// multiplexed (many slots) or not (one slot), as the Conn interface says.
package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/plexhttp/plex/internal/event"
)

// ErrClosed is returned by Get once Close has been called, and to requests
// that were waiting when it was.
var ErrClosed = errors.New("pool: closed")

// defaultMaxIdleConnsPerHost applies when Config.MaxIdleConnsPerHost is zero.
const defaultMaxIdleConnsPerHost = 100

// Key identifies an origin: requests with equal keys may share connections.
type Key struct {
	Scheme string // "http" or "https"
	Addr   string // host:port
	Proxy  string // proxy URL, "" when direct
	// MayMultiplex: a dial to this origin may yield a multiplexed connection
	// (HTTP/2 is offered). While such an origin's protocol is unknown,
	// requests coalesce on one dial. False asks the dial for a connection
	// that never multiplexes, so the same origin may have two keys: one
	// for ordinary requests and one for those that need HTTP/1.1.
	MayMultiplex bool
}

// DialFunc opens one connection for key. The new conn must call onChange on
// every state change (see Conn); it may do so before DialFunc returns, in
// which case the pool looks at the conn once the dial is done.
//
// ctx carries the values (httptrace hooks, for instance) of the request
// that caused the dial, but not its cancellation: a dial outlives a request
// that gave up, and its conn is kept. ctx is canceled when the pool closes
// and once DialFunc returns, so the conn must not tie its life to it.
type DialFunc func(ctx context.Context, key Key, onChange func()) (Conn, error)

// Config sets the pool's limits. The zero value of each field is usable.
type Config struct {
	// Dial opens connections; a nil Dial makes every dial fail.
	Dial DialFunc
	// MaxConnsPerHost caps dialing + active + idle conns per origin,
	// HTTP/1.1 and HTTP/2 alike; requests above it queue in FIFO order.
	// Zero or less means no limit.
	MaxConnsPerHost int
	// MaxIdleConns caps idle conns over all origins; zero or less means no limit.
	MaxIdleConns int
	// MaxIdleConnsPerHost caps idle conns per origin; zero or less means 100.
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes a conn once it has been idle this long; zero or
	// less means idle conns never expire.
	IdleConnTimeout time.Duration
	// StrictMaxConcurrentStreams: when every multiplexed conn of an origin is
	// full, true waits for a slot; false dials another conn (one dial at a
	// time, within MaxConnsPerHost).
	StrictMaxConcurrentStreams bool
	// MaxConnAge retires a conn once it is this old, less up to a tenth
	// at random: it takes no new requests and closes (reason
	// event.CloseMaxAge) once those under way end. Age is checked when a
	// request looks for a conn of the origin. Zero or less: no limit.
	MaxConnAge time.Duration
	// MaxConnRequests retires a conn once it was given this many requests,
	// less up to a tenth at random, closing it (event.CloseMaxRequests)
	// once they end. Zero or less: no limit.
	MaxConnRequests int
	// MinConnsPerHost keeps a multiplexed origin on at least this many
	// conns once its first one is up: while it has fewer, each request
	// (and each new conn) starts one more dial, one at a time, within
	// MaxConnsPerHost. Requests go to the least loaded conn, equally
	// loaded ones taking turns. Zero or one: one conn until it is full.
	MinConnsPerHost int
	// PassPeers makes every dial's ctx carry the remote addresses of the
	// origin's open conns (see DialPeers).
	PassPeers bool
	// Logger receives dial and conn events: closes at Info with their
	// reason, the rest at Debug; nil logs nothing and costs nothing.
	Logger *slog.Logger
	// Events receives ConnClosed, RequestQueued and RequestDequeued; nil
	// costs one pointer check. When set, the ctx of every dial carries the
	// conn's id (see DialConnID).
	Events *event.Listener
	// RetryBudget bounds each origin's resends (see SpendRetry); the zero
	// value sets no bound.
	RetryBudget RetryBudget
	// Coalesce, when set, lets a request for an https origin that has no
	// connection or dial of its own borrow an open HTTP/2 connection of
	// another origin that it approves (see CoalesceFunc). Nil, the
	// default, keeps every origin to its own connections and costs
	// nothing.
	Coalesce CoalesceFunc
}

// GotInfo describes the conn Get returned; it mirrors httptrace.GotConnInfo.
// It says when the conn went idle rather than for how long, so that only a
// caller who wants the duration reads the clock.
type GotInfo struct {
	Conn      event.ConnID // the pool's id for the conn
	Reused    bool         // the conn carried requests before
	WasIdle   bool         // it had nothing in flight when taken
	IdleSince time.Time    // when it went idle, when WasIdle
	// Coalesced: the conn was opened for another origin and lent to this
	// one (Config.Coalesce).
	Coalesced bool
}

// Pool holds connections per origin and hands out slots on them.
//
// Locking: mu guards everything below it, all hosts, pconns (except the
// immutable fields named there), dials and waiters. Lock order: Pool.mu, then
// a conn's own lock (the pool calls Reserve, Available, InFlight, Err and
// IdleSince under mu). The pool never calls RoundTrip, Release or Close while
// holding mu, and conns call their onChange hook (which takes mu) with no
// lock of theirs held. Work that must run unlocked (closing conns, logging,
// releasing a slot a canceled waiter got) is collected in an after and run
// once mu is released.
//
// Ownership: dial goroutines are counted in wg; Close waits for them, so no
// goroutine of the pool outlives Close. The idle timer is a time.AfterFunc
// armed for the earliest idle expiry; there is no janitor goroutine.
type Pool struct {
	cfg            Config // immutable after New
	maxIdlePerHost int    // immutable after New
	log            *slog.Logger
	ev             *event.Listener // cfg.Events
	wg             sync.WaitGroup  // dial goroutines under way

	mu         sync.Mutex // guards the fields below, and all hosts, pconns, dials and waiters
	closed     bool
	hosts      map[Key]*host
	idle       connList    // every idle conn, most recently idle first
	waiting    int         // queued waiters over all hosts
	timer      *time.Timer // idle expiry; nil until a conn first goes idle with IdleConnTimeout set
	timerArmed bool
	timerAt    time.Time    // when the armed timer fires
	lastID     event.ConnID // the id the last dial got
	// origins keeps each origin's cumulative counters for Stats (which
	// sums them) and OriginStats. It outlives the hosts (which go once
	// empty) so that the counters never go back; it grows by one small
	// record per origin ever visited.
	origins map[event.Origin]*counters
	// lent lists, per origin, the conns of other origins that
	// Config.Coalesce approved for it (see pconn.lentTo).
	lent map[Key][]*pconn
}

// counters are one origin's cumulative figures; guarded by Pool.mu.
type counters struct {
	dials, dialErrors, reuses, expired, gets, retries uint64
	closed                                            [event.NumCloseReasons]uint64
	budgetRefused                                     uint64 // resends the retry budget refused
	budget                                            bucket // see budget.go
}

// New returns a pool using cfg.
func New(cfg Config) *Pool {
	p := &Pool{
		cfg:            cfg,
		maxIdlePerHost: cfg.MaxIdleConnsPerHost,
		log:            cfg.Logger,
		ev:             cfg.Events,
		hosts:          make(map[Key]*host),
		origins:        make(map[event.Origin]*counters),
		lent:           make(map[Key][]*pconn),
		idle:           connList{id: poolIdleList},
	}
	if p.maxIdlePerHost <= 0 {
		p.maxIdlePerHost = defaultMaxIdleConnsPerHost
	}
	if p.cfg.Dial == nil {
		p.cfg.Dial = func(context.Context, Key, func()) (Conn, error) {
			return nil, errors.New("pool: no dial function configured")
		}
	}
	return p
}

// Get returns a connection with one slot reserved for the caller, who must
// then either call conn.RoundTrip once or conn.Release(). It waits, in FIFO
// order per origin, for a slot, dialing when the limits allow. It returns
// ErrClosed after Close, the dial's error when the dial it counted on
// failed, and an error satisfying errors.Is(err, ctx.Err()) when ctx ends
// first.
//
// With Config.Coalesce set, a request for an origin with no connection or
// dial of its own may get a connection of another origin instead
// (GotInfo.Coalesced); GetOwn never does.
func (p *Pool) Get(ctx context.Context, key Key) (Conn, GotInfo, error) {
	return p.get(ctx, key, p.cfg.Coalesce != nil)
}

func (p *Pool) get(ctx context.Context, key Key, coalesce bool) (Conn, GotInfo, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, GotInfo{}, ErrClosed
	}
	h := p.hosts[key]
	var a after
	if h != nil {
		p.retireAgedLocked(h, &a)
	}
	pc, info := p.takeFreeLocked(h, &a)
	lent := false // pc was lent to key for the first time
	if pc == nil && coalesce && key.coalescable() && ownsNothingLocked(h) {
		pc, info, lent = p.borrowLocked(ctx, key)
		if pc == nil {
			// borrowLocked may have let go of mu.
			if p.closed {
				p.mu.Unlock()
				a.run(p)
				return nil, GotInfo{}, ErrClosed
			}
			h = p.hosts[key]
			pc, info = p.takeFreeLocked(h, &a)
		}
	}
	if pc != nil {
		p.mu.Unlock()
		a.run(p)
		if lent && p.log != nil {
			p.logLent(key, pc)
		}
		return pc.c, info, nil
	}
	return p.waitLocked(ctx, key, h, a)
}

// takeFreeLocked reserves a free slot of h, nil or not, unless requests
// already wait there for one; a collects work for after mu is released.
func (p *Pool) takeFreeLocked(h *host, a *after) (*pconn, GotInfo) {
	if h != nil && h.waiters.head == nil {
		if pc := h.reserveLocked(); pc != nil {
			h.counts.gets++
			info := p.takeLocked(pc)
			p.fillMinLocked(h, a)
			return pc, info
		}
	}
	return nil, GotInfo{}
}

// waitLocked queues the caller and waits for a slot. It is entered with mu
// held and releases it; a holds work Get collected under mu.
func (p *Pool) waitLocked(ctx context.Context, key Key, h *host, a after) (Conn, GotInfo, error) {
	if err := ctx.Err(); err != nil {
		if h != nil {
			p.forgetIfEmptyLocked(h)
		}
		p.mu.Unlock()
		a.run(p)
		return nil, GotInfo{}, waitError(key, err)
	}
	if h == nil {
		h = p.newHostLocked(key)
	}
	h.counts.gets++
	w := &waiter{ctx: ctx, ch: make(chan handoff, 1)}
	h.waiters.push(w)
	p.waiting++
	p.pumpLocked(h, &a)
	var q queued
	if p.ev != nil {
		q = queued{start: time.Now(), waiting: h.waiters.n, queued: w.queued}
	}
	p.mu.Unlock()
	a.run(p)
	if q.queued {
		q.fire(p.ev, key)
	}

	select {
	case r := <-w.ch:
		if r.err != nil {
			q.done(p.ev, key, 0, r.err)
			return nil, GotInfo{}, r.err
		}
		q.done(p.ev, key, r.info.Conn, nil)
		return r.pc.c, r.info, nil
	case <-ctx.Done():
	}
	err := waitError(key, ctx.Err())
	p.mu.Lock()
	if w.queued {
		h.waiters.remove(w)
		p.waiting--
		p.forgetIfEmptyLocked(h)
		p.mu.Unlock()
		q.done(p.ev, key, 0, err)
		return nil, GotInfo{}, err
	}
	p.mu.Unlock()
	// A slot was handed over just as ctx ended; giving it back lets the conn's
	// hook pass it on to the next waiter.
	if r := <-w.ch; r.pc != nil {
		r.pc.c.Release()
	}
	q.done(p.ev, key, 0, err)
	return nil, GotInfo{}, err
}

func waitError(key Key, err error) error {
	return fmt.Errorf("pool: waiting for a connection to %s: %w", key.Addr, err)
}

// takeLocked records that pc, just reserved, goes to a caller.
func (p *Pool) takeLocked(pc *pconn) GotInfo {
	info := GotInfo{Conn: pc.id, Reused: pc.used}
	if pc.h.idle.contains(pc) {
		info.WasIdle = true
		info.IdleSince = pc.idleAt
		p.unmarkIdleLocked(pc)
		if iw, ok := pc.c.(idleWaiter); ok {
			iw.WaitedIdle()
		}
	} else if !pc.quietSince.IsZero() && pc.used {
		info.WasIdle = true
		info.IdleSince = pc.quietSince
	}
	pc.quietSince = time.Time{}
	pc.used = true
	p.countRequestLocked(pc)
	if info.Reused {
		pc.h.counts.reuses++
	}
	return info
}

// CloseIdle closes every conn with nothing in flight.
func (p *Pool) CloseIdle() {
	var a after
	p.mu.Lock()
	for pc := p.idle.head; pc != nil; {
		next := p.idle.next(pc)
		p.removeConnLocked(pc, &a, event.CloseClient)
		p.forgetIfEmptyLocked(pc.h)
		pc = next
	}
	p.mu.Unlock()
	a.run(p)
}

// Close closes all conns (requests in flight on them fail), fails waiting
// Get calls with ErrClosed, cancels dials under way and waits for their
// goroutines. Later Get calls return ErrClosed. Close always returns nil; a
// conn's close error says nothing the caller can act on.
func (p *Pool) Close() error { return p.CloseWithError(nil) }

// CloseWithError is Close, and cause, if not nil, is handed to every conn
// that can take it (a CloseWithError method), so that the exchanges and
// response bodies cut short fail with an error that matches cause.
func (p *Pool) CloseWithError(cause error) error {
	a := after{cause: cause}
	var cancels []context.CancelFunc
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, h := range p.hosts {
			for w := h.waiters.head; w != nil; w = h.waiters.head {
				h.waiters.remove(w)
				w.ch <- handoff{err: ErrClosed}
			}
			for _, d := range h.dials {
				cancels = append(cancels, d.cancel)
			}
			for _, pc := range h.conns {
				pc.removed = true
				a.close = append(a.close, pc.c)
				p.noteCloseLocked(pc, &a, event.CloseClient, 0)
			}
		}
		clear(p.hosts)
		clear(p.lent)
		p.idle = connList{id: poolIdleList}
		p.waiting = 0
		if p.timer != nil {
			p.timer.Stop()
			p.timerArmed = false
		}
	}
	p.mu.Unlock()
	for _, cancel := range cancels {
		cancel()
	}
	a.run(p)
	p.wg.Wait()
	return nil
}
