package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/plexhttp/plex/internal/event"
)

// dial is one connection being opened. Its fields are guarded by Pool.mu,
// except cancel, which is set before the dial goroutine starts.
type dial struct {
	h       *host
	pc      *pconn // the record the conn will get; its hook exists before the conn
	cancel  context.CancelFunc
	waiters int // queued waiters counting on this dial
}

// startDialLocked starts a dial for h in its own goroutine. ctx lends the
// dial its values only: the dial is canceled by Close, never by the request.
func (p *Pool) startDialLocked(h *host, ctx context.Context, a *after) *dial {
	dctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.lastID++
	pc := &pconn{h: h, id: p.lastID}
	pc.onChange = func() { p.connChanged(pc) }
	if p.ev != nil {
		dctx = context.WithValue(dctx, connIDKey{}, pc.id)
	}
	dctx = p.withPeersLocked(dctx, h)
	d := &dial{h: h, pc: pc, cancel: cancel}
	h.dials = append(h.dials, d)
	p.wg.Add(1)
	go p.runDial(dctx, d)
	if p.log != nil {
		a.logf(slog.LevelDebug, "dial start", h.key, uint64(pc.id), len(h.conns), nil)
	}
	return d
}

func (p *Pool) runDial(ctx context.Context, d *dial) {
	defer p.wg.Done()
	c, err := p.cfg.Dial(ctx, d.h.key, d.pc.onChange)
	d.cancel()
	p.dialDone(d, c, err)
}

// dialDone files the dial's result. A conn serves the queue head, whoever
// started the dial, and stays idle if nobody waits. An error fails exactly
// the waiters counting on this dial; the others keep waiting.
func (p *Pool) dialDone(d *dial, c Conn, err error) {
	if err == nil && c == nil {
		err = errors.New("pool: dial returned neither a connection nor an error")
	}
	if err == nil {
		if cerr := c.Err(); cerr != nil {
			// Handing it out would only fail the request, and dialing again
			// for the same waiters could go on forever.
			err = fmt.Errorf("pool: connection to %s unusable right after dialing: %w", d.h.key.Addr, cerr)
		}
	}
	var unusable Conn
	if err != nil && c != nil {
		unusable, c = c, nil
	}
	var a after
	h := d.h
	p.mu.Lock()
	if unusable != nil {
		d.pc.c, d.pc.removed = unusable, true
		a.close = append(a.close, unusable)
		r, code := reasonOf(unusable)
		p.noteCloseLocked(d.pc, &a, r, code)
	}
	if i := slices.Index(h.dials, d); i >= 0 {
		h.dials = slices.Delete(h.dials, i, i+1)
	}
	h.counts.dials++
	if err != nil {
		h.counts.dialErrors++
	}
	if p.closed {
		if c != nil {
			d.pc.c = c
			a.close = append(a.close, c)
			p.noteCloseLocked(d.pc, &a, event.CloseClient, 0)
		}
		p.mu.Unlock()
		a.run(p)
		return
	}
	if err != nil {
		for w := h.waiters.head; w != nil; {
			next := w.next
			if w.dial == d {
				h.waiters.remove(w)
				p.waiting--
				w.ch <- handoff{err: err}
			}
			w = next
		}
		if p.log != nil {
			a.logf(slog.LevelDebug, "dial failed", h.key, uint64(d.pc.id), len(h.conns), err)
		}
	} else {
		pc := d.pc
		pc.c, pc.mux = c, c.Multiplexed()
		if p.ev != nil || p.log != nil {
			pc.openedAt = time.Now()
		}
		p.setLimitsLocked(pc, time.Now())
		h.addConnLocked(pc)
		h.proto = protoH1
		if pc.mux {
			h.proto = protoH2
		}
		for w := h.waiters.head; w != nil; w = w.next {
			if w.dial == d {
				h.waiters.detach(w)
			}
		}
		if p.log != nil {
			a.logf(slog.LevelDebug, "conn added", h.key, uint64(pc.id), len(h.conns), nil)
		}
		p.refreshLocked(pc, &a)
	}
	p.pumpLocked(h, &a)
	if err == nil {
		p.settleIdleLocked(d.pc)
		p.fillMinLocked(h, &a)
	}
	p.trimIdleLocked(h, &a)
	p.forgetIfEmptyLocked(h)
	p.mu.Unlock()
	a.run(p)
}
