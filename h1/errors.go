package h1

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/plexhttp/plex/internal/timeout"
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

// headerTimeoutError is ResponseHeaderTimeout expiring. Like net/http's
// HTTP/1.1 error for it, it is a net.Error timeout that also matches
// errors.Is(err, context.DeadlineExceeded), which callers use to tell a
// timeout from other failures. (net/http's HTTP/2 one does not match it,
// and neither does h2's: each protocol keeps net/http's shape.)
type headerTimeoutError struct{ err *timeout.Error }

func (e *headerTimeoutError) Error() string   { return e.err.Error() }
func (e *headerTimeoutError) Unwrap() error   { return e.err }
func (e *headerTimeoutError) Timeout() bool   { return true }
func (e *headerTimeoutError) Temporary() bool { return true }

// Is matches context.DeadlineExceeded, as net/http's does.
func (e *headerTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// bodyTimeoutError is a response body Read that failed because
// BodyReadTimeout expired. The error the Read returns is itself the
// net.Error timeout (callers assert err.(net.Error) as often as they use
// errors.As), and it keeps the whole chain, with where the read stopped.
type bodyTimeoutError struct{ err error }

func (e *bodyTimeoutError) Error() string   { return e.err.Error() }
func (e *bodyTimeoutError) Unwrap() error   { return e.err }
func (e *bodyTimeoutError) Timeout() bool   { return true }
func (e *bodyTimeoutError) Temporary() bool { return true }

// asBodyTimeout returns err as a bodyTimeoutError when the body read
// timeout is what ended it, else err unchanged.
func asBodyTimeout(err error) error {
	var t *timeout.Error
	if _, ok := err.(net.Error); ok || !errors.As(err, &t) {
		return err
	}
	return &bodyTimeoutError{err}
}
