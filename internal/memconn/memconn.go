// Package memconn provides an in-memory, buffered net.Conn pair for tests.
//
// Unlike net.Pipe, a write completes as soon as its bytes are buffered (up to
// an optional limit), so a scripted test can write a whole exchange before the
// other side reads it without deadlocking. All blocking waits are on channels
// and timers, which makes the pair safe to use inside a testing/synctest
// bubble: a goroutine blocked in Read or Write is durably blocked.
package memconn

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Options tune a pair. The zero value is an unbounded buffer delivering bytes
// in as large reads as the reader asks for.
type Options struct {
	// MaxBuffered bounds the bytes buffered in each direction; a Write blocks
	// while the buffer is full. 0 means unbounded.
	MaxBuffered int
	// Trickle, when positive, caps how many bytes one Read returns, to
	// exercise readers that must cope with short reads.
	Trickle int
}

// Pipe returns the two ends of a connection with default options.
func Pipe() (*Conn, *Conn) { return NewPipe(Options{}) }

// NewPipe returns the two ends of a connection: bytes written to one are read
// from the other.
func NewPipe(o Options) (*Conn, *Conn) {
	ab := newBuffer(o)
	ba := newBuffer(o)
	a := &Conn{in: ba, out: ab, closed: make(chan struct{}), local: addr("memconn-a"), remote: addr("memconn-b")}
	b := &Conn{in: ab, out: ba, closed: make(chan struct{}), local: addr("memconn-b"), remote: addr("memconn-a")}
	a.rd.init()
	a.wd.init()
	b.rd.init()
	b.wd.init()
	return a, b
}

// Conn is one end of an in-memory connection. It implements net.Conn and
// CloseWrite. It is safe for concurrent use.
type Conn struct {
	in, out       *buffer
	rd, wd        deadline
	closeOnce     sync.Once
	closed        chan struct{} // closed by Close
	local, remote net.Addr
}

// ErrClosed is returned by operations on a Conn after Close.
var ErrClosed = net.ErrClosed

// errPeerClosed is returned by Write once the reading end is closed.
var errPeerClosed = errors.New("memconn: write to a connection closed by the peer")

// Read reads buffered bytes, waiting for some to arrive.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		select {
		case <-c.closed:
			return 0, ErrClosed
		default:
		}
		if c.rd.expired() {
			return 0, os.ErrDeadlineExceeded
		}
		n, err, wait := c.in.read(p)
		if wait == nil {
			return n, err
		}
		select {
		case <-wait:
		case <-c.closed:
			return 0, ErrClosed
		case <-c.rd.done():
			return 0, os.ErrDeadlineExceeded
		}
	}
}

// Write buffers p, waiting for room when the buffer is bounded.
func (c *Conn) Write(p []byte) (int, error) {
	total := 0
	for {
		select {
		case <-c.closed:
			return total, ErrClosed
		default:
		}
		if c.wd.expired() {
			return total, os.ErrDeadlineExceeded
		}
		n, err, wait := c.out.write(p[total:])
		total += n
		if err != nil || total == len(p) {
			return total, err
		}
		select {
		case <-wait:
		case <-c.closed:
			return total, ErrClosed
		case <-c.wd.done():
			return total, os.ErrDeadlineExceeded
		}
	}
}

// Close closes both directions: the peer reads EOF after the buffered bytes,
// and its writes fail.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.out.closeWrite()
		c.in.closeRead()
	})
	return nil
}

// CloseWrite makes the peer read EOF once it has read what was written.
func (c *Conn) CloseWrite() error {
	c.out.closeWrite()
	return nil
}

// Buffered is how many bytes written by the peer wait to be read.
func (c *Conn) Buffered() int { return c.in.len() }

// LocalAddr returns a fixed in-memory address.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns a fixed in-memory address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets both the read and the write deadline.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

// SetReadDeadline makes a blocked or future Read fail with
// os.ErrDeadlineExceeded once t passes; the zero time clears it.
func (c *Conn) SetReadDeadline(t time.Time) error { c.rd.set(t); return nil }

// SetWriteDeadline makes a blocked or future Write fail with
// os.ErrDeadlineExceeded once t passes; the zero time clears it.
func (c *Conn) SetWriteDeadline(t time.Time) error { c.wd.set(t); return nil }

type addr string

func (a addr) Network() string { return "memconn" }
func (a addr) String() string  { return string(a) }

// buffer is one direction of the pipe. mu guards every field; waiters park
// on the signal channel, which is replaced after each wake-up so that every
// waiter sees a state change.
type buffer struct {
	mu        sync.Mutex
	data      []byte
	max       int
	trickle   int
	wclosed   bool // writer closed: reads drain then see EOF
	rclosed   bool // reader closed: writes fail
	changedCh chan struct{}
}

func newBuffer(o Options) *buffer {
	return &buffer{max: o.MaxBuffered, trickle: o.Trickle, changedCh: make(chan struct{})}
}

// changedLocked wakes every goroutine waiting on the buffer.
func (b *buffer) changedLocked() {
	close(b.changedCh)
	b.changedCh = make(chan struct{})
}

// read copies buffered bytes into p. When nothing can be returned yet it
// returns a channel to wait on.
func (b *buffer) read(p []byte) (int, error, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.data) == 0 {
		if b.wclosed {
			return 0, io.EOF, nil
		}
		return 0, nil, b.changedCh
	}
	if b.trickle > 0 && len(p) > b.trickle {
		p = p[:b.trickle]
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	if len(b.data) == 0 {
		b.data = nil
	}
	b.changedLocked()
	return n, nil, nil
}

// write buffers as much of p as fits. When not all of it fits it returns a
// channel to wait on for room.
func (b *buffer) write(p []byte) (int, error, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rclosed || b.wclosed {
		return 0, errPeerClosed, nil
	}
	n := len(p)
	if b.max > 0 && len(b.data)+n > b.max {
		n = b.max - len(b.data)
	}
	if n > 0 {
		b.data = append(b.data, p[:n]...)
		b.changedLocked()
	}
	if n == len(p) {
		return n, nil, nil
	}
	return n, nil, b.changedCh
}

func (b *buffer) closeWrite() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.wclosed {
		b.wclosed = true
		b.changedLocked()
	}
}

func (b *buffer) closeRead() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.rclosed {
		b.rclosed = true
		b.data = nil
		b.changedLocked()
	}
}

func (b *buffer) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.data)
}

// deadline turns a point in time into a channel closed when it passes. mu
// guards every field.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	expiry chan struct{} // closed once the deadline passed
}

func (d *deadline) init() { d.expiry = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		// The timer fired (or is firing) and closed expiry: start afresh.
		d.expiry = make(chan struct{})
	}
	d.timer = nil
	select {
	case <-d.expiry:
		d.expiry = make(chan struct{})
	default:
	}
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		close(d.expiry)
		return
	}
	ch := d.expiry
	d.timer = time.AfterFunc(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.expiry == ch {
			close(ch)
		}
	})
}

func (d *deadline) done() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expiry
}

func (d *deadline) expired() bool {
	select {
	case <-d.done():
		return true
	default:
		return false
	}
}
