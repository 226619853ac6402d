package pool

import (
	"net/http"
	"time"
)

// Conn is one connection as the pool sees it, whatever protocol it speaks.
// An HTTP/1.1 connection has a single slot; an HTTP/2 connection has as many
// slots as the peer's SETTINGS_MAX_CONCURRENT_STREAMS allows, and that number
// may change while the connection lives.
//
// A slot is taken with Reserve and then either used by exactly one RoundTrip
// or given back with Release. A slot used by RoundTrip frees itself when the
// exchange is over (for HTTP/1.1: the response body reached EOF or was closed;
// for HTTP/2: the stream closed).
//
// Whenever a slot frees, the slot limit changes or the connection dies, the
// connection calls the onChange hook it was built with. It calls the hook
// with none of its own locks held, so the hook may call back into the
// connection. The pool, for its part, never calls RoundTrip, Release or Close
// while holding its own lock; it may call the other methods under it (lock
// order: pool, then connection).
type Conn interface {
	// RoundTrip carries one request on a slot reserved earlier by Reserve.
	RoundTrip(req *http.Request) (*http.Response, error)
	// Reserve takes one slot if one is free now; it never blocks.
	Reserve() bool
	// Release gives back a slot taken by Reserve that RoundTrip never used.
	Release()
	// Available is how many more requests the connection can take now: 0 or 1
	// for HTTP/1.1; the peer's stream limit minus active and reserved streams
	// for HTTP/2. It is 0 once Err is non-nil.
	Available() int
	// InFlight is the number of reserved slots plus exchanges under way.
	InFlight() int
	// Multiplexed reports whether the connection can carry several requests
	// at once (HTTP/2). It never changes.
	Multiplexed() bool
	// Err is non-nil once the connection takes no new requests: closed,
	// broken, or going away (GOAWAY received, Connection: close seen).
	Err() error
	// IdleSince is when InFlight last dropped to zero; the zero time while
	// requests are in flight.
	IdleSince() time.Time
	// Close closes the connection; exchanges under way fail.
	Close() error
}

// causeCloser is a Conn that can say why it was closed: the cause is
// wrapped into the errors of the exchanges (and response bodies) Close cuts
// short. Pool.CloseWithError uses it when a Conn has it.
type causeCloser interface {
	CloseWithError(cause error) error
}

// Detacher is implemented by a connection that can leave the pool while it
// is still open: after an HTTP/1.1 protocol switch (101 Switching
// Protocols) the connection belongs to whoever holds the response. Once
// Detached reports true, which it does only with Err non-nil, the pool
// forgets the connection at its next hook call, in flight or not, and
// neither closes nor counts it any more.
type Detacher interface {
	Detached() bool
}

func detached(c Conn) bool {
	d, ok := c.(Detacher)
	return ok && d.Detached()
}

// idleWaiter is implemented by connections that must hear when they are
// handed out after waiting idle: the peer may have closed them meanwhile,
// even if they never carried a request (a dial that lost the race to a
// freed connection), and they check for that before the next request.
// The pool calls WaitedIdle under its lock.
type idleWaiter interface {
	WaitedIdle()
}
