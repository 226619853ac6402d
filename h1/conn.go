package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httptrace"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plexhttp/plex/internal/deadline"
	"github.com/plexhttp/plex/internal/netclose"
	"github.com/plexhttp/plex/internal/sockio"
	"github.com/plexhttp/plex/internal/timeout"
)

var (
	errClosed       = errors.New("h1: connection closed")
	errNotReusable  = errors.New("h1: connection not reusable after the last exchange")
	errRespClose    = errors.New("h1: server asked to close the connection")
	errReqClose     = errors.New("h1: request asked to close the connection")
	errWriterStuck  = errors.New("h1: request body still being written after the response ended")
	errNotReserved  = errors.New("h1: RoundTrip on a connection without a reserved slot")
	errUpgradedConn = errors.New("h1: connection switched protocols")
)

// Conn is one HTTP/1.1 persistent connection carrying one request at a time.
// It satisfies the pool's connection interface.
//
// Ownership: the goroutine inside RoundTrip owns the read side (br, parser,
// peek) until RoundTrip returns, and then the response body's reader owns it
// until the exchange ends. The write side (bw, one, bulk, keys) belongs to
// RoundTrip while it writes the header and, for streamed request bodies, to
// the body writer goroutine after that, until it closes writeDone (or is
// abandoned, inside the body's Read, on a closed connection: writerGone).
// No goroutine touches the connection between exchanges.
//
// mu guards the fields marked below; it is held only for short,
// non-blocking sections and never while calling onChange, the request
// body's Close, or any other code outside this package. It is the only
// lock; a body's own mutex is never held while taking it.
type Conn struct {
	nc       net.Conn
	cfg      *Config
	opts     ConnOptions
	onChange func()
	ctxDone  func() // c.abortForContext, bound once so AfterFunc costs no closure

	br      *bufio.Reader
	rd      netReader // br's input
	bw      *bufio.Writer
	one     [1]byte    // owned with bw: the read that checks a body ends where declared
	bulk    bulkWriter // owned with bw: large request body writes
	parser  headParser
	keys    []string // scratch for sorting header keys
	cw      countingWriter
	peek    idleProbe
	written atomic.Int64 // request bytes written in the current exchange

	// writerGone is set once the connection stopped waiting for a body
	// writer stuck in the request body's Read (see abandonWriter); never
	// cleared, as the connection is closed by then.
	writerGone atomic.Bool

	mu             sync.Mutex
	err            error           // guarded by mu; non-nil once no new request may start
	netClosed      bool            // guarded by mu; nc.Close was called
	closeErr       error           // guarded by mu; result of nc.Close
	closeCause     error           // guarded by mu; the cause given to CloseWithError
	reserved       bool            // guarded by mu; the slot is taken (Reserve until the exchange ends)
	active         bool            // guarded by mu; RoundTrip used the slot and the exchange is not over
	used           bool            // guarded by mu; an exchange completed and the conn was kept
	waitedIdle     bool            // guarded by mu; WaitedIdle was called since the last exchange began
	idleSince      time.Time       // guarded by mu
	reqBody        io.Closer       // guarded by mu; request body not yet closed
	ctx            context.Context // guarded by mu; of the exchange under way
	ctxErr         error           // guarded by mu; the context error that aborted the exchange
	stopCtx        func() bool     // guarded by mu; unregisters the AfterFunc
	keepAlive      bool            // guarded by mu; neither side asked to close
	awaitingHeader bool            // guarded by mu; the final response header is not read yet
	headerTimer    bool            // guarded by mu; a read deadline for the header is armed
	writeDone      chan struct{}   // guarded by mu; closed when the body writer ends
	writeErr       error           // guarded by mu; the body writer's network error
	bodyErr        error           // guarded by mu; the request body's Read or length failed
	detached       bool            // guarded by mu; switched protocols: the 101 response's holder owns the conn

	// trace holds the httptrace hooks of the exchange under way, for
	// PutIdleConn when it ends; guarded by mu.
	trace *httptrace.ClientTrace
}

// countingWriter counts request bytes on their way to the net.Conn, so an
// error can say whether anything reached the wire, and bounds each write
// by WriteByteTimeout so a peer that stops reading cannot block a request
// that has no deadline of its own. The deadline moves lazily (see package
// deadline): a write fails after between d and 1.25*d without progress.
// It belongs to whoever owns the write side.
type countingWriter struct {
	c        *Conn
	dst      io.Writer // c.nc, or its socket written directly (see socketIO)
	deadline deadline.Lazy
	now      time.Time // if set, a clock reading just taken, for arm to use
}

func (w *countingWriter) Write(p []byte) (int, error) {
	d := w.c.cfg.writeByteTimeout()
	total := 0
	for {
		if d > 0 {
			w.arm(d)
		}
		n, err := w.dst.Write(p[total:])
		total += n
		w.c.written.Add(int64(n))
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return total, err
		}
		if n == 0 {
			return total, timeout.WriteError(w.c.nc, timeout.Errorf("h1: write made no progress for %v (wrote %d bytes)", d, w.c.written.Load()))
		}
		// Slow but moving: a fresh bound for the rest. (On TLS the retry
		// reports the connection broken, which fails the request as well.)
	}
}

// arm makes sure the write deadline is at least d away.
func (w *countingWriter) arm(d time.Duration) {
	now := w.now
	w.now = time.Time{} // good for one look only
	if now.IsZero() {
		now = time.Now()
	}
	w.deadline.Arm(w.c.nc, now, d)
}

// NewConn wraps nc, which must be a freshly dialed connection (after any TLS
// handshake). cfg may be nil for defaults and is shared, not copied.
// onChange is called, with no lock held, whenever the slot frees or the
// connection dies; it may be called more than once per event.
func NewConn(nc net.Conn, cfg *Config, opts ConnOptions, onChange func()) *Conn {
	if cfg == nil {
		cfg = &Config{}
	}
	if onChange == nil {
		onChange = func() {}
	}
	c := &Conn{nc: nc, cfg: cfg, opts: opts, onChange: onChange, idleSince: time.Now()}
	c.ctxDone = c.abortForContext
	c.cw.c = c
	c.rd.c = c
	c.rd.src, c.cw.dst = socketIO(nc)
	c.br = bufio.NewReaderSize(&c.rd, cfg.readBufferSize())
	c.bw = bufio.NewWriterSize(&c.cw, cfg.writeBufferSize())
	c.peek.init(nc)
	return c
}

// socketIO returns what the connection reads from and writes to: a
// cleartext TCP socket directly, through internal/sockio, as HTTP/2's
// reader and writer and (beneath TLS) alpn do, else nc itself. nc stays
// what NetConn and GotConnInfo give, the *net.TCPConn that net/http gives.
func socketIO(nc net.Conn) (io.Reader, io.Writer) {
	r, w := sockio.NewReader(nc), sockio.NewWriter(nc)
	if r == nil || w == nil {
		return nc, nc
	}
	return r, w
}

// Reserve takes the connection's single slot if it is free and usable.
func (c *Conn) Reserve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.reserved {
		return false
	}
	c.reserved = true
	c.idleSince = time.Time{}
	return true
}

// WaitedIdle tells the connection that it waited idle in a pool before the
// request it is about to carry. The server may have closed it meanwhile
// (an idle timeout, a graceful shutdown), whether or not it carried a
// request before, so RoundTrip first checks for that, as it does on every
// connection that carried one.
func (c *Conn) WaitedIdle() {
	c.mu.Lock()
	c.waitedIdle = true
	c.mu.Unlock()
}

// Release gives back a slot taken by Reserve that RoundTrip never used.
func (c *Conn) Release() {
	c.mu.Lock()
	if !c.reserved || c.active {
		c.mu.Unlock()
		return
	}
	c.reserved = false
	c.idleSince = time.Now()
	c.mu.Unlock()
	c.onChange()
}

// Available is 1 when a request may start now, else 0.
func (c *Conn) Available() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.reserved {
		return 0
	}
	return 1
}

// InFlight is 1 while the slot is reserved or an exchange is under way.
func (c *Conn) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reserved {
		return 1
	}
	return 0
}

// NetConn returns the connection's net.Conn, for httptrace.GotConnInfo and
// diagnostics. Reading or writing it directly corrupts the exchange.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Multiplexed is false: HTTP/1.1 carries one request at a time.
func (c *Conn) Multiplexed() bool { return false }

// Err is non-nil once the connection takes no new request: closed, broken,
// or told to close by either side.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// IdleSince is when the slot last freed; the zero time while it is taken.
func (c *Conn) IdleSince() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleSince
}

// Close closes the connection. An exchange under way fails. Close waits a
// moment for the request body writer to end, but not for a request body
// whose Read blocks and is not woken by its Close (see abandonWriter).
// Later calls do nothing more.
func (c *Conn) Close() error {
	return c.CloseWithError(nil)
}

// CloseWithError is Close, and cause, if not nil, is wrapped into the
// errors of the exchange and the response body read it cuts short, and of
// later requests, so that their callers can tell why (errors.Is(err,
// cause)).
func (c *Conn) CloseWithError(cause error) error {
	reason := errClosed
	if cause != nil {
		reason = fmt.Errorf("%w: %w", errClosed, cause)
		c.mu.Lock()
		if c.closeCause == nil && !c.netClosed {
			c.closeCause = cause
		}
		c.mu.Unlock()
	}
	c.closeNet(reason)
	c.mu.Lock()
	done := c.writeDone
	c.mu.Unlock()
	if done != nil {
		c.abandonWriter(done)
	}
	c.onChange()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeErr
}

// awaitWriter gives the body writer writerGrace to close done. When it
// does not, the connection (and the request body) is closed, which wakes a
// writer blocked on the network or in a body whose Close interrupts its
// Read, and abandonWriter takes over. The result says whether the writer
// ended in time, before the connection had to be closed.
func (c *Conn) awaitWriter(done chan struct{}) bool {
	if closedWithin(done, writerGrace) {
		return true
	}
	c.closeNet(errWriterStuck)
	c.abandonWriter(done)
	return false
}

// abandonWriter gives the writer of a closed connection writerGrace to
// close done. A writer still running then is inside the body's Read, which
// nothing can interrupt: it is abandoned, and drops whatever that Read
// returns without touching the connection (readBody). The goroutine lives
// until the Read returns, which is up to the body's owner; everything else
// about the connection is done.
func (c *Conn) abandonWriter(done chan struct{}) {
	if closedWithin(done, writerGrace) {
		return
	}
	c.writerGone.Store(true)
	if l := c.cfg.Logger; l != nil {
		l.Debug("h1: abandoned request body writer blocked in Read", "remote", c.nc.RemoteAddr())
	}
}

// closedWithin reports whether done closes within d.
func closedWithin(done chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// closeNet closes the net.Conn and the request body of the exchange under
// way (waking a body writer blocked in its Read), recording why the
// connection is done. It does not wait and does not call onChange.
func (c *Conn) closeNet(reason error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = reason
	}
	already := c.netClosed
	c.netClosed = true
	rb := c.reqBody
	c.reqBody = nil
	c.mu.Unlock()
	if !already {
		err := netclose.Close(c.nc)
		c.mu.Lock()
		c.closeErr = err
		c.mu.Unlock()
		if l := c.cfg.Logger; l != nil {
			c.logClosed(l, reason)
		}
	}
	if rb != nil {
		rb.Close()
	}
}

// closeReqBody closes the request body if nobody has yet.
func (c *Conn) closeReqBody() {
	c.mu.Lock()
	rb := c.reqBody
	c.reqBody = nil
	c.mu.Unlock()
	if rb != nil {
		rb.Close()
	}
}

// abortForContext runs (through context.AfterFunc) when the request's
// context ends: closing the connection is the one way to wake a read or
// write blocked on it.
func (c *Conn) abortForContext() {
	c.mu.Lock()
	var err error
	if c.ctx != nil {
		err = c.ctx.Err()
		c.ctxErr = err
	}
	c.mu.Unlock()
	c.closeNet(fmt.Errorf("h1: connection closed: request %w", err))
}

// ctxWrap returns err, or an error wrapping the request's context error when
// that is why the I/O failed, or the cause given to CloseWithError when
// that is.
func (c *Conn) ctxWrap(phase string, err error) error {
	c.mu.Lock()
	ctxErr, ctx, cause := c.ctxErr, c.ctx, c.closeCause
	c.mu.Unlock()
	if ctxErr == nil && ctx != nil {
		ctxErr = ctx.Err()
	}
	if ctxErr != nil {
		return ctxError("h1: "+phase, ctxErr)
	}
	if cause != nil && err != nil {
		return fmt.Errorf("h1: %s: %w: %w", phase, cause, err)
	}
	return err
}

// exchangeDone ends the exchange under way: it unregisters the context
// callback, waits for the body writer, closes the request body and frees
// the slot, keeping the connection only if reusable and nothing else
// spoiled it.
func (c *Conn) exchangeDone(reusable bool) {
	c.mu.Lock()
	stop, done := c.stopCtx, c.writeDone
	c.stopCtx = nil
	c.mu.Unlock()
	if stop != nil && !stop() {
		reusable = false // the context fired and is closing the connection
	}
	if done != nil {
		select {
		case <-done:
		default:
			if !c.awaitWriter(done) {
				reusable = false
			}
		}
	}
	c.closeReqBody()
	c.rd.disarm()

	// Bytes already read past the end of the response were sent unasked
	// (a body after a HEAD or 204 answer, say): they must not be taken for
	// the next response. The exchange is over, so nobody reads br now.
	if reusable && c.br.Buffered() > 0 {
		reusable = false
	}

	c.mu.Lock()
	if c.writeErr != nil || c.bodyErr != nil || !c.keepAlive || c.netClosed {
		reusable = false
	}
	c.active = false
	c.reserved = false
	c.writeDone = nil
	c.ctx = nil
	trace := c.trace
	c.trace = nil
	c.ctxErr = nil
	c.headerTimer = false
	c.awaitingHeader = false
	closeNow := false
	kept := reusable && c.err == nil
	if kept {
		c.used = true
		c.idleSince = time.Now()
	} else {
		if c.err == nil {
			c.err = errNotReusable
		}
		closeNow = !c.netClosed
	}
	c.mu.Unlock()
	if closeNow {
		c.closeNet(errNotReusable)
	}
	c.onChange()
	if kept && trace != nil && trace.PutIdleConn != nil {
		// As in net/http: once the pool has the connection back (idle, or
		// handed to a waiting request), and before a body Read returns
		// EOF. A connection that is closed instead is not reported.
		trace.PutIdleConn(nil)
	}
}
