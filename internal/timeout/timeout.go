// Package timeout holds the error both protocols return when one of their
// own bounds expires (a response-header timeout, a stalled write, an
// unanswered PING): a net.Error whose Timeout method reports true, as
// net/http's are, distinct from the request context's own deadline.
package timeout

import (
	"fmt"
	"net"
)

// Error is a bound of the connection expiring.
type Error struct{ msg string }

// Errorf formats the message; it should start with the protocol ("h2: ...").
func Errorf(format string, args ...any) *Error { return &Error{fmt.Sprintf(format, args...)} }

func (e *Error) Error() string { return e.msg }

// Timeout is always true: the error satisfies net.Error as a timeout.
func (e *Error) Timeout() bool { return true }

// Temporary is true, as for net/http's timeouts; it is deprecated in
// net.Error and kept only for callers that still look.
func (e *Error) Temporary() bool { return true }

// Endpoints is the part of net.Conn an operation's error names.
type Endpoints interface {
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}

// WriteError is a write to c that gave up after e: a *net.OpError, as a
// write past its deadline is in net/http, so callers that look for one (by
// errors.As, or by its Op) find it, with e saying which bound expired.
func WriteError(c Endpoints, e *Error) *net.OpError {
	oe := &net.OpError{Op: "write", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: e}
	if oe.Source != nil {
		oe.Net = oe.Source.Network()
	}
	return oe
}
