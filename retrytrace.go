package plex

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/plexhttp/plex/internal/retry"
)

// RetryReason says why a failed try proved it safe to send a request again.
type RetryReason int

const (
	// RetryNotProcessed: the request provably never reached the server's
	// application: nothing of it was written, or the server said it did
	// not process it (an HTTP/2 GOAWAY whose last stream id is below the
	// request's, with NO_ERROR).
	RetryNotProcessed RetryReason = iota + 1
	// RetryRefused: the server turned the request away unprocessed, a sign
	// of load (HTTP/2 RST_STREAM with REFUSED_STREAM, or a GOAWAY with an
	// error code). The resend waits, even the first time.
	RetryRefused
	// RetryConnLost: no byte of a response came back on a connection that
	// had carried requests before: the server most likely closed it while
	// it sat idle. Only idempotent requests (see ErrMaybeProcessed) are
	// sent again for this reason.
	RetryConnLost
	// RetryShutdown: no response came back because the connection was
	// shutting down gracefully, as the server had announced (HTTP/2 GOAWAY
	// with NO_ERROR). Only idempotent requests are sent again for this
	// reason.
	RetryShutdown
	// RetryMisdirected: the server answered 421 (Misdirected Request) on a
	// connection opened for another origin (WithConnectionCoalescing),
	// meaning it did not process the request; it is sent again once, on a
	// connection of its origin's own.
	RetryMisdirected
)

// String gives a short description of the reason.
func (r RetryReason) String() string {
	switch r {
	case RetryNotProcessed:
		return "not processed"
	case RetryRefused:
		return "refused"
	case RetryConnLost:
		return "connection lost before a response"
	case RetryShutdown:
		return "connection shut down before a response"
	case RetryMisdirected:
		return "misdirected"
	}
	return "RetryReason(" + strconv.Itoa(int(r)) + ")"
}

// RetryInfo describes one resend of a request, for RetryTrace.Retry.
type RetryInfo struct {
	// Request is the request as it was passed to RoundTrip; do not modify
	// it. A resend of a request with a body sends a copy with a fresh
	// body from GetBody.
	Request *http.Request
	// Attempt is the try about to be made: 2 for the first resend.
	Attempt int
	// Err is why the previous try failed.
	Err error
	// Reason is why that failure makes a resend safe.
	Reason RetryReason
	// Reused reports whether the failed try was on a connection that had
	// carried requests before.
	Reused bool
	// Wait is how long the request waits before it is sent again (see
	// WithRetryBackoff); zero when it goes at once.
	Wait time.Duration
}

// RetryTrace holds plex's hooks into its resend loop, alongside the
// httptrace.ClientTrace hooks, which fire again for every try (GetConn,
// GotConn, and so on). Attach one to a request's context with
// WithRetryTrace. The Client decides whether to send a request again (see
// ErrMaybeProcessed, WithMaxRetries and WithRetryBackoff); these hooks
// only observe that decision.
type RetryTrace struct {
	// Retry is called, on the goroutine that called RoundTrip, each time
	// the Client has decided to send the request again, before it waits
	// info.Wait. If the request's context ends or the Client is closed
	// during that wait, the request is not sent again and RoundTrip
	// returns the error. It is never called when WithMaxRetries(0) turned
	// resends off, but for the one resend of a misdirected request
	// (RetryMisdirected).
	Retry func(info RetryInfo)
}

type retryTraceKey struct{}

// WithRetryTrace returns a context carrying rt, derived from ctx. Requests
// made with it report their resends to rt. If ctx already carries a
// RetryTrace, both see every event: rt's hooks first, then the earlier
// ones, as httptrace.WithClientTrace composes its hooks.
func WithRetryTrace(ctx context.Context, rt *RetryTrace) context.Context {
	if rt == nil {
		return ctx
	}
	if old := ContextRetryTrace(ctx); old != nil && old.Retry != nil {
		merged := *rt
		if mine := rt.Retry; mine != nil {
			merged.Retry = func(info RetryInfo) {
				mine(info)
				old.Retry(info)
			}
		} else {
			merged.Retry = old.Retry
		}
		rt = &merged
	}
	return context.WithValue(ctx, retryTraceKey{}, rt)
}

// ContextRetryTrace returns the RetryTrace attached to ctx, or nil.
func ContextRetryTrace(ctx context.Context) *RetryTrace {
	rt, _ := ctx.Value(retryTraceKey{}).(*RetryTrace)
	return rt
}

// retryReason names why err, which the resend rule accepted, allows a
// resend.
func retryReason(err error) RetryReason {
	switch {
	case errors.Is(err, errMisdirected):
		return RetryMisdirected
	case retry.Refused(err):
		return RetryRefused
	case retry.AtShutdown(err):
		return RetryShutdown
	case retry.ProgressOf(err) == retry.NoResponse:
		return RetryConnLost
	}
	return RetryNotProcessed
}

// traceRetry reports a resend to the request's RetryTrace, if any.
func traceRetry(rt *RetryTrace, req *http.Request, attempt int, err error, reused bool, wait time.Duration) {
	if rt == nil || rt.Retry == nil {
		return
	}
	rt.Retry(RetryInfo{
		Request: req,
		Attempt: attempt,
		Err:     err,
		Reason:  retryReason(err),
		Reused:  reused,
		Wait:    wait,
	})
}
