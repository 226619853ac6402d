package plex

import "github.com/plexhttp/plex/internal/event"

// EventListener receives typed events about connections and requests, the
// same for HTTP/1.1 and HTTP/2; install one with WithEventListener. Every
// field may be nil. Callbacks run on the goroutine that caused the event,
// with no lock of the Client held (they may call Stats or OriginStats), and
// must return quickly. A Client without a listener pays one pointer check
// per place an event could fire, and allocates nothing for events.
type EventListener = event.Listener

// The events an EventListener receives. Connection events carry the
// connection's ConnID, given by the pool when the dial starts, so that
// DialStart, ConnOpened, ConnAcquired, GoAwayReceived and ConnClosed of one
// connection can be matched.
type (
	DialStart       = event.DialStart
	DialDone        = event.DialDone
	TLSDone         = event.TLSDone
	ConnOpened      = event.ConnOpened
	ConnAcquired    = event.ConnAcquired
	ConnReleased    = event.ConnReleased
	ConnClosed      = event.ConnClosed
	GoAwayReceived  = event.GoAwayReceived
	StreamReset     = event.StreamReset
	RetryDecided    = event.RetryDecided
	RequestQueued   = event.RequestQueued
	RequestDequeued = event.RequestDequeued
	RequestDone     = event.RequestDone
	DialAddrFailed  = event.DialAddrFailed

	// Origin is a scheme and host:port, the unit of pooling and of
	// OriginStats.
	Origin = event.Origin
	// ConnID numbers a Client's connections from 1, in dial order.
	ConnID = event.ConnID
	// CloseReason says why a connection closed; see the Close constants.
	CloseReason = event.CloseReason
)

// Why connections close, as ConnClosed.Reason and OriginStats.Closed report.
const (
	CloseError          = event.CloseError
	CloseIdleTimeout    = event.CloseIdleTimeout
	CloseIdleLimit      = event.CloseIdleLimit
	ClosePeerGoAway     = event.ClosePeerGoAway
	ClosePeerClose      = event.ClosePeerClose
	CloseClient         = event.CloseClient
	CloseProtocolSwitch = event.CloseProtocolSwitch
	CloseKeepAlivesOff  = event.CloseKeepAlivesOff
	CloseMaxAge         = event.CloseMaxAge
	CloseMaxRequests    = event.CloseMaxRequests
	NumCloseReasons     = event.NumCloseReasons
)

// mergeListeners returns one listener calling a's callbacks, then b's.
func mergeListeners(a, b *EventListener) *EventListener {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	return &EventListener{
		DialStart:       both(a.DialStart, b.DialStart),
		DialDone:        both(a.DialDone, b.DialDone),
		TLSDone:         both(a.TLSDone, b.TLSDone),
		ConnOpened:      both(a.ConnOpened, b.ConnOpened),
		ConnAcquired:    both(a.ConnAcquired, b.ConnAcquired),
		ConnReleased:    both(a.ConnReleased, b.ConnReleased),
		ConnClosed:      both(a.ConnClosed, b.ConnClosed),
		GoAwayReceived:  both(a.GoAwayReceived, b.GoAwayReceived),
		StreamReset:     both(a.StreamReset, b.StreamReset),
		RetryDecided:    both(a.RetryDecided, b.RetryDecided),
		RequestQueued:   both(a.RequestQueued, b.RequestQueued),
		RequestDequeued: both(a.RequestDequeued, b.RequestDequeued),
		RequestDone:     both(a.RequestDone, b.RequestDone),
		DialAddrFailed:  both(a.DialAddrFailed, b.DialAddrFailed),
	}
}

func both[E any](f, g func(E)) func(E) {
	switch {
	case f == nil:
		return g
	case g == nil:
		return f
	}
	return func(e E) { f(e); g(e) }
}
