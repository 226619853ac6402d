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
