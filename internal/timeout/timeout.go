// Package timeout holds the error both protocols return when one of their
// own bounds expires (a response-header timeout, a stalled write, an
// unanswered PING): a net.Error whose Timeout method reports true, as
// net/http's are, distinct from the request context's own deadline.
package timeout

import "fmt"

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
