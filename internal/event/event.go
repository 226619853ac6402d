// Package event holds the connection and request events a Client reports
// to a Listener. The pool, h2 and the root package fire them; the root
// package re-exports every type here under the same name, which is how
// users see them.
//
// Firing an event costs one nil check when no listener is installed: every
// emitter keeps a *Listener that is nil unless the user set one, and builds
// an event value only past that check.
package event

import (
	"net"
	"strconv"
	"time"
)

// Listener receives typed events. Every field may be nil; a nil field is
// never called. Callbacks run on the goroutine that caused the event (a
// request's, a dial's, a connection's reader), never with a lock of the
// Client held, so they may call back into the Client (Stats, for one); they
// must be quick and must not block, as they delay that goroutine.
type Listener struct {
	DialStart       func(DialStart)
	DialDone        func(DialDone)
	TLSDone         func(TLSDone)
	ConnOpened      func(ConnOpened)
	ConnAcquired    func(ConnAcquired)
	ConnReleased    func(ConnReleased)
	ConnClosed      func(ConnClosed)
	GoAwayReceived  func(GoAwayReceived)
	StreamReset     func(StreamReset)
	RetryDecided    func(RetryDecided)
	RequestQueued   func(RequestQueued)
	RequestDequeued func(RequestDequeued)
	RequestDone     func(RequestDone)
	DialAddrFailed  func(DialAddrFailed)
}

// Origin names the server a connection or request goes to.
type Origin struct {
	Scheme string // "http" or "https"
	Addr   string // host:port
}

// String gives the origin as scheme://host:port.
func (o Origin) String() string { return o.Scheme + "://" + o.Addr }

// Host is the host part of Addr, without brackets for IPv6.
func (o Origin) Host() string {
	h, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return o.Addr
	}
	return h
}

// Port is the port part of Addr, 0 if it has none.
func (o Origin) Port() int {
	_, p, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// ConnID identifies one connection for the life of its Client: the pool
// gives each dial the next number, starting at 1.
type ConnID uint64

// DialStart is fired as a connection starts being dialed for Origin.
type DialStart struct {
	Conn   ConnID
	Origin Origin
	Proxy  string // the proxy's host:port, "" when direct
}

// DialDone is fired when that dial ends. Err is nil when the connection is
// ready, TLS and protocol negotiation included.
type DialDone struct {
	Conn     ConnID
	Origin   Origin
	Duration time.Duration
	Err      error
}

// TLSDone is fired when the TLS handshake with the origin ends.
type TLSDone struct {
	Conn     ConnID
	Origin   Origin
	Version  uint16 // tls.VersionTLS13 and so on; 0 on failure
	ALPN     string // the protocol the server chose, "" if none
	Resumed  bool
	Duration time.Duration
	Err      error
}

// ConnOpened is fired once a dialed connection is ready for requests.
type ConnOpened struct {
	Conn       ConnID
	Origin     Origin
	Protocol   string // "HTTP/1.1" or "HTTP/2"
	LocalAddr  net.Addr
	RemoteAddr net.Addr
}

// ConnAcquired is fired when a request is given a slot on a connection.
type ConnAcquired struct {
	Conn     ConnID
	Origin   Origin
	Reused   bool          // the connection carried requests before
	IdleTime time.Duration // how long it had been idle, when it was
	// Coalesced: the connection was opened for another origin and carries
	// this one's request too (see plex.WithConnectionCoalescing); its
	// DialStart and ConnOpened name that origin.
	Coalesced bool
}

// ConnReleased is fired when a request gives its slot back: its response
// body was read to the end or closed, or it failed. Held is the time since
// ConnAcquired.
type ConnReleased struct {
	Conn   ConnID
	Origin Origin
	Held   time.Duration
}

// ConnClosed is fired once for every connection that was opened, when the
// pool lets go of it.
type ConnClosed struct {
	Conn     ConnID
	Origin   Origin
	Protocol string
	Reason   CloseReason
	// Code is the HTTP/2 error code of the peer's GOAWAY when Reason is
	// ClosePeerGoAway, 0 otherwise.
	Code     uint32
	Age      time.Duration // time since ConnOpened
	Requests uint64        // requests the connection was given
}

// GoAwayReceived is fired when an HTTP/2 peer sends GOAWAY: streams above
// LastStreamID were not processed and are sent again where allowed.
type GoAwayReceived struct {
	Conn         ConnID
	Origin       Origin
	LastStreamID uint32
	Code         uint32
	Debug        string
}

// StreamReset is fired when an HTTP/2 stream is reset by either side.
type StreamReset struct {
	Conn     ConnID
	Origin   Origin
	StreamID uint32
	Code     uint32
	Sent     bool // true: we sent RST_STREAM; false: the peer did
}

// RetryDecided is fired when a failed request is to be sent again, and
// when a request answered 421 (Misdirected Request) on a coalesced
// connection is sent again on its origin's own (Reason "misdirected: ...").
type RetryDecided struct {
	Origin  Origin
	Method  string
	Attempt int           // the attempt about to be made, 2 for the first resend
	Wait    time.Duration // back-off before it
	Reason  string        // the error that caused it
}

// RequestQueued is fired when a request finds no free slot and waits for
// one (a connection being dialed, or a slot freeing).
type RequestQueued struct {
	Origin  Origin
	Waiting int // requests waiting for this origin, this one included
}

// RequestDequeued is fired when that wait ends; Err is non-nil when the
// request got no connection (its context ended, the dial failed, Close).
type RequestDequeued struct {
	Origin Origin
	Conn   ConnID // 0 when Err is set
	Wait   time.Duration
	Err    error
}

// RequestDone is fired when RoundTrip returns: Duration runs from the call
// to the response headers (or the error). Protocol is that of the last
// attempt's connection, "" if it got none.
type RequestDone struct {
	Origin     Origin
	Method     string
	Protocol   string
	StatusCode int // 0 on error
	Attempts   int
	Duration   time.Duration
	Err        error
}

// DialAddrFailed is fired, with WithLookupNetIP, when one of the addresses the
// origin's host resolved to could not be connected to. The dial goes on
// with the next address (DialDone reports its end), and Addr is tried only
// after the others until SkipUntil.
type DialAddrFailed struct {
	Conn      ConnID
	Origin    Origin
	Addr      string // ip:port
	Err       error
	SkipUntil time.Time
}

// Protocol names as events report them.
const (
	ProtoHTTP1 = "HTTP/1.1"
	ProtoHTTP2 = "HTTP/2"
)
