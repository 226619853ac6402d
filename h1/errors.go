package h1

import (
	"context"
	"errors"
	"fmt"
)

// parseError is a response that breaks HTTP/1.1 syntax or framing rules.
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

func perr(format string, args ...any) error {
	return &parseError{fmt.Sprintf(format, args...)}
}

// contextError is an exchange ended by its request's context. It wraps the
// context's error and, for an expired deadline, reports Timeout true, as a
// net.Error would.
type contextError struct {
	msg string
	err error
}

func ctxError(msg string, err error) error {
	return &contextError{msg: msg + ": " + err.Error(), err: err}
}

func (e *contextError) Error() string   { return e.msg }
func (e *contextError) Unwrap() error   { return e.err }
func (e *contextError) Timeout() bool   { return errors.Is(e.err, context.DeadlineExceeded) }
func (e *contextError) Temporary() bool { return e.Timeout() }
