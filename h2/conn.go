package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/netclose"
	"github.com/plexhttp/plex/internal/sockio"
)

// ClientConn is one HTTP/2 connection carrying many concurrent requests.
//
// Ownership and locking:
//   - w (frameWriter) serializes every frame written, and owns the hpack
//     encoder; its mutex is taken before mu when both are needed.
//   - mu guards the connection state below it and every stream's state
//     (stream fields documented as guarded by cc.mu).
//   - The reader goroutine owns the Framer's read side and hb (header block
//     assembly); it is the only goroutine that reads from nc.
//
// Lock order: w.mu, then mu. No lock is held while calling onChange,
// FrameTrace callbacks from the reader, user trace hooks, or request body
// methods. Methods ending in Locked need mu held.
type ClientConn struct {
	nc       net.Conn
	cfg      Config
	tlsState *tls.ConnectionState
	onChange func()
	log      *slog.Logger
	trace    func(FrameEvent) // cfg.FrameTrace

	w frameWriter

	fr         *http2.Framer // read side: reader goroutine only
	rd         *connReader   // fr's input: reader goroutine only
	hb         headerBlock   // reader goroutine only
	idleTimer  *time.Timer   // health check; nil when ReadIdleTimeout is 0
	readerDone chan struct{} // closed when the reader goroutine returns
	readerBusy atomic.Bool   // the reader is handling a frame or closing (and may be calling onChange)
	framesRead atomic.Uint64 // frames read so far; written by the reader goroutine only
	done       chan struct{} // closed when the connection closes

	mu        sync.Mutex
	streams   map[uint32]*stream // open streams, by id
	nextID    uint32
	peer      peerSettings
	slots     slots
	sendWin   sendWindow // connection-level, peer's allowance
	recvWin   recvWindow // connection-level, ours
	waiting   []*stream  // streams a goroutine waits on for bytes (feed.go)
	pings     pingState
	bdp       bdpEstimator  // adaptive receive windows
	ended     closedStreams // how recently closed streams closed
	err       error         // non-nil once no new streams may start
	goAway    *GoAwayError
	closed    bool
	idleSince time.Time
	drained   chan struct{} // Shutdown: closed when the last stream ends
}

// NewClientConn starts HTTP/2 on nc: it writes the client preface, our
// SETTINGS and a connection WINDOW_UPDATE, and starts the reader goroutine.
// It does not wait for the server's SETTINGS, but does wait for those first
// bytes to be written (at most WriteByteTimeout without progress). tlsState, if not nil, is
// reported as Response.TLS. onChange (may be nil) is called, with no lock
// held, whenever a slot frees, the slot limit changes or the connection
// stops taking requests.
//
// On error nc is closed. cfg may be nil for defaults.
func NewClientConn(nc net.Conn, cfg *Config, tlsState *tls.ConnectionState, onChange func()) (*ClientConn, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		nc.Close()
		return nil, err
	}
	cc := &ClientConn{
		nc:         nc,
		cfg:        c,
		tlsState:   tlsState,
		onChange:   onChange,
		log:        c.Logger,
		trace:      c.FrameTrace,
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
		streams:    make(map[uint32]*stream),
		nextID:     1,
		peer:       defaultPeerSettings(),
		slots:      slots{limit: defaultStreamLimit},
		sendWin:    newSendWindow(initialWindow),
		recvWin:    newRecvWindow(initialWindow),
		bdp:        newBDPEstimator(&c),
		idleSince:  time.Now(),
	}
	if cc.log == nil {
		cc.log = slog.New(slog.DiscardHandler)
	} else {
		cc.log = connLogger(cc.log, &c)
	}
	cc.pings.init()
	// A cleartext socket is read and written directly (sockio says why);
	// over TLS the dialer did the same beneath crypto/tls.
	sock := sockio.Wrap(nc)
	cc.w.bw = burstBuffer{w: &timeoutWriter{nc: nc, out: sock, d: c.WriteByteTimeout}}
	cc.rd = newConnReader(sock, cc.hasStreams)
	cc.fr = http2.NewFramer(&cc.w.bw, cc.rd)
	cc.fr.SetMaxReadFrameSize(c.MaxReadFrameSize)
	cc.fr.SetReuseFrames() // frames are never kept past the next read
	cc.w.fr = cc.fr
	cc.w.enc = hpack.NewEncoder(&cc.w.hbuf)
	// Below the initial 4096 the first header block says so with a table
	// size update (RFC 7541 §4.2); above it, the peer's SETTINGS decide.
	cc.w.enc.SetMaxDynamicTableSizeLimit(c.MaxEncoderHeaderTableSize)
	cc.w.trace = c.FrameTrace
	// The server reads our SETTINGS before any request, and so before it
	// encodes a response: its encoder is bound by the size we announce
	// there from the first response on.
	cc.hb.init(c.MaxHeaderListSize, c.MaxDecoderHeaderTableSize)

	if err := cc.writePreface(); err != nil {
		netclose.Close(nc)
		return nil, fmt.Errorf("h2: writing client preface: %w", err)
	}
	if c.ReadIdleTimeout > 0 {
		cc.idleTimer = time.AfterFunc(c.ReadIdleTimeout, cc.onReadIdle)
	}
	go cc.readLoop()
	return cc, nil
}

func (cc *ClientConn) writePreface() error {
	w := &cc.w
	w.begin()
	_, err := io.WriteString(&w.bw, http2.ClientPreface)
	w.noteLocked(err)
	settings := [...]http2.Setting{
		{ID: http2.SettingEnablePush, Val: 0},
		{ID: http2.SettingInitialWindowSize, Val: cc.cfg.InitialStreamWindowSize},
		{ID: http2.SettingMaxFrameSize, Val: cc.cfg.MaxReadFrameSize},
		{ID: http2.SettingMaxHeaderListSize, Val: cc.cfg.MaxHeaderListSize},
		{ID: http2.SettingHeaderTableSize, Val: cc.cfg.MaxDecoderHeaderTableSize},
	}
	list := settings[:]
	if cc.cfg.MaxDecoderHeaderTableSize == initialHeaderTableSize {
		list = list[:len(list)-1] // the initial value goes without saying
	}
	w.noteLocked(w.fr.WriteSettings(list...))
	if w.trace != nil {
		w.traceWriteLocked(http2.FrameSettings, 0, 0, uint32(6*len(list)), settingsSummary(list))
	}
	if inc := cc.recvWin.raise(cc.cfg.InitialConnWindowSize); inc > 0 {
		w.noteLocked(w.fr.WriteWindowUpdate(0, inc))
		if w.trace != nil {
			w.traceWriteLocked(http2.FrameWindowUpdate, 0, 0, 4, windowSummary(inc))
		}
	}
	return w.end()
}

// Reserve takes one stream slot if one is free now; it never blocks. The
// slot is then used by one RoundTrip or given back with Release.
func (cc *ClientConn) Reserve() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.availableLocked() == 0 {
		return false
	}
	cc.slots.reserved++
	cc.idleSince = time.Time{}
	return true
}

// Release gives back a slot taken by Reserve that no RoundTrip used.
func (cc *ClientConn) Release() {
	cc.mu.Lock()
	if cc.slots.reserved == 0 {
		cc.mu.Unlock()
		return
	}
	cc.slots.reserved--
	cc.slots.grant()
	cc.noteIdleLocked()
	cc.mu.Unlock()
	cc.changed()
}

// Available is how many more requests the connection can take now: the
// peer's stream limit minus active, reserved and recently reset streams. It
// is 0 once Err is non-nil.
func (cc *ClientConn) Available() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.availableLocked()
}

// errOneRequest ends a connection used without keep-alives once its one
// request started.
var errOneRequest = errors.New("h2: connection carries one request (keep-alives disabled)")

func (cc *ClientConn) availableLocked() int {
	switch {
	case cc.err != nil:
		return 0
	case cc.cfg.DisableKeepAlives:
		// One request per connection: the slot the first one takes is the
		// only one.
		if cc.slots.inFlight() > 0 {
			return 0
		}
		return min(cc.slots.available(), 1)
	}
	return cc.slots.available()
}

// InFlight is the number of reserved slots plus requests under way.
func (cc *ClientConn) InFlight() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.slots.inFlight()
}

// NetConn returns the connection's net.Conn (the *tls.Conn over TLS), for
// httptrace.GotConnInfo and diagnostics. Reading or writing it directly
// corrupts the connection.
func (cc *ClientConn) NetConn() net.Conn { return cc.nc }

// Multiplexed reports true: an HTTP/2 connection carries many requests.
func (cc *ClientConn) Multiplexed() bool { return true }

// Err is non-nil once the connection takes no new requests: closed, broken,
// shutting down, or told to go away by the peer (a GoAwayError).
func (cc *ClientConn) Err() error {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.err
}

// IdleSince is when the last request ended (or the connection started); the
// zero time while requests are in flight.
func (cc *ClientConn) IdleSince() time.Time {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.idleSince
}

// hasStreams reports whether responses may still arrive; the reader's
// buffer gives back its borrowed block when none can.
func (cc *ClientConn) hasStreams() bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.streams) > 0
}

func (cc *ClientConn) noteIdleLocked() {
	if cc.slots.inFlight() == 0 && cc.idleSince.IsZero() {
		cc.idleSince = time.Now()
	}
}

func (cc *ClientConn) changed() {
	if cc.onChange != nil {
		cc.onChange()
	}
}

// Close closes the connection at once; requests under way fail with an error
// wrapping ErrClosed. It waits for the reader goroutine to end, except when
// that goroutine is itself busy handling a frame or failing the connection
// (it may be the one calling onChange, which may call Close): it then ends
// as soon as it is done.
func (cc *ClientConn) Close() error {
	return cc.CloseWithError(nil)
}

// CloseWithError is Close, and cause, if not nil, is wrapped, with
// ErrClosed, into the errors of the requests and response body reads it
// cuts short, so that their callers can tell why (errors.Is(err, cause)).
func (cc *ClientConn) CloseWithError(cause error) error {
	err := ErrClosed
	if cause != nil {
		err = fmt.Errorf("%w: %w", ErrClosed, cause)
	}
	cc.closeWithError(err)
	if !cc.readerBusy.Load() {
		<-cc.readerDone
	}
	return nil
}

// Shutdown stops new requests at once (Err reports ErrShutdown), waits for
// the requests under way to finish or for ctx to end, then closes the
// connection. It returns ctx's error if ctx ended first. No GOAWAY is sent:
// a client has no server-initiated streams to refuse.
func (cc *ClientConn) Shutdown(ctx context.Context) error {
	cc.mu.Lock()
	if cc.err == nil {
		cc.err = ErrShutdown
		cc.slots.failAll()
	}
	if cc.drained == nil {
		cc.drained = make(chan struct{})
		if cc.slots.active == 0 {
			close(cc.drained)
		}
	}
	drained := cc.drained
	cc.mu.Unlock()
	cc.changed()
	var err error
	select {
	case <-drained:
	case <-cc.done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	cc.Close()
	return err
}

// closeWithError closes the connection once, failing every stream and
// waiter with err (marked per stream with how far it got).
func (cc *ClientConn) closeWithError(err error) {
	var a actions
	cc.mu.Lock()
	if cc.closed {
		cc.mu.Unlock()
		return
	}
	cc.closed = true
	if cc.err == nil || cc.err == ErrShutdown {
		cc.err = err
	}
	for _, cs := range cc.streams {
		cc.failStreamLocked(cs, cs.failureLocked(err), &a)
	}
	cc.slots.failAll()
	if cc.idleTimer != nil {
		cc.idleTimer.Stop()
	}
	cc.pings.stopAll()
	close(cc.done)
	cc.mu.Unlock()
	// Logged once the lock is released: a handler may be slow.
	cc.log.Debug("h2: connection closing", "remote", cc.nc.RemoteAddr().String(), "err", err)
	netclose.Close(cc.nc)
	a.closeConn = nil
	a.rstID = 0
	cc.run(&a)
	cc.changed()
}
