package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/plexhttp/plex/internal/memconn"
)

// ErrClosed is returned by Pipes and Server methods after Close.
var ErrClosed = errors.New("faults: closed")

// maxPending bounds the dialed connections no test has accepted yet; a dial
// past it fails instead of queueing without limit.
const maxPending = 64

// Pipes is a dial function over in-memory connections: each dial returns
// the client end of a fresh memconn pair, and Accept hands the server end to
// the test. It suits plex.WithDialContext and testing/synctest.
//
// mu guards dials, conns and closed; pending is a channel and needs no lock.
// Close owns every server end it recorded and closes them.
type Pipes struct {
	opts    memconn.Options
	pending chan *memconn.Conn

	mu     sync.Mutex
	dials  int              // guarded by mu
	conns  []*memconn.Conn  // both ends of every pair, guarded by mu
	closed bool             // guarded by mu
	refuse func(n int) bool // read-only after NewPipes
}

// PipesOption tunes NewPipes.
type PipesOption func(*Pipes)

// WithConnOptions sets the memconn options (buffer bound, trickled reads)
// of every pair: MaxBuffered makes a peer that stops reading push back on
// the client's writes.
func WithConnOptions(o memconn.Options) PipesOption {
	return func(p *Pipes) { p.opts = o }
}

// WithRefusedDials makes dial number n (counting from 0) fail as a refused
// TCP connection would, when refuse(n) is true.
func WithRefusedDials(refuse func(n int) bool) PipesOption {
	return func(p *Pipes) { p.refuse = refuse }
}

// NewPipes returns an empty Pipes. Close it when the test ends.
func NewPipes(opts ...PipesOption) *Pipes {
	p := &Pipes{pending: make(chan *memconn.Conn, maxPending)}
	for _, o := range opts {
		o(p)
	}
	return p
}

// DialContext returns the client end of a new pair. It never blocks: it
// fails if the test left maxPending connections unaccepted.
func (p *Pipes) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	n := p.dials
	p.dials++
	if p.refuse != nil && p.refuse(n) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("faults: dial %d to %s refused", n, addr)}
	}
	c, s := memconn.NewPipe(p.opts)
	select {
	case p.pending <- s:
	default:
		return nil, fmt.Errorf("faults: %d dialed connections not accepted", maxPending)
	}
	p.conns = append(p.conns, c, s)
	return c, nil
}

// Accept returns the server end of the next dialed connection, waiting for
// a dial until ctx ends.
func (p *Pipes) Accept(ctx context.Context) (*memconn.Conn, error) {
	select {
	case s := <-p.pending:
		return s, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("faults: waiting for a dial: %w", ctx.Err())
	}
}

// TryAccept returns the server end of a dialed connection if one waits, or
// nil. Inside a synctest bubble, call it after synctest.Wait to check that
// the client dialed (or did not).
func (p *Pipes) TryAccept() *memconn.Conn {
	select {
	case s := <-p.pending:
		return s
	default:
		return nil
	}
}

// Dials is how many dials were made, refused ones included.
func (p *Pipes) Dials() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dials
}

// Close fails later dials and closes both ends of every connection made.
func (p *Pipes) Close() error {
	p.mu.Lock()
	p.closed = true
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return nil
}
