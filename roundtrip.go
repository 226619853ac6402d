package plex

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"time"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/pool"
)

// ErrMaybeProcessed is matched (errors.Is) by a RoundTrip error when the
// request may have reached the server's application and was not sent again
// because replaying it could duplicate its effect. Errors that do not match
// it were not processed: the request was invalid, or failed before the
// server could act on it.
var ErrMaybeProcessed = errors.New("request may have been processed")

// RoundTrip performs exactly one HTTP exchange with http.RoundTripper
// semantics: no redirects, no cookies. The request is carried on an
// HTTP/1.1 or HTTP/2 connection chosen for its origin, and sent again only
// where nothing can be duplicated (see ErrMaybeProcessed).
func (c *Client) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if c.closed.Load() {
		closeBody(req)
		return nil, ErrClientClosed
	}
	key, err := c.route(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	c.requests.Add(1)
	var ev requestEvents // inert without a listener
	if c.cfg.events != nil {
		ev.start(c.cfg.events, req, key)
		defer ev.finish(&resp, &err)
	}
	ctx := req.Context()
	trace := httptrace.ContextClientTrace(ctx)
	r := req
	waits := 0    // resends that waited so far
	sent := false // an earlier try may have reached the server's application
	own := false  // a coalesced connection misdirected the request: use key's own
	for attempt := 1; ; attempt++ {
		if trace != nil && trace.GetConn != nil {
			trace.GetConn(key.Addr)
		}
		var conn pool.Conn
		var info pool.GotInfo
		var err error
		if own {
			conn, info, err = c.pool.GetOwn(ctx, key)
		} else {
			conn, info, err = c.pool.Get(ctx, key)
		}
		if err != nil {
			closeBody(r)
			if errors.Is(err, pool.ErrClosed) {
				err = ErrClientClosed
			}
			if sent {
				return nil, c.finalError(req, err, true)
			}
			return nil, err
		}
		if trace != nil && trace.GotConn != nil {
			gi := httptrace.GotConnInfo{Conn: netConnOf(conn), Reused: info.Reused, WasIdle: info.WasIdle}
			if info.WasIdle {
				gi.IdleTime = time.Since(info.IdleSince)
			}
			trace.GotConn(gi)
		}
		ev.acquired(info, conn.Multiplexed())
		resp, err := conn.RoundTrip(r)
		if err == nil {
			if resp.StatusCode == http.StatusMisdirectedRequest && info.Coalesced {
				if next := c.misdirected(req, key, conn, resp); next != nil {
					ev.released()
					c.noteResend(req, key, info, attempt+1, 0, errMisdirected, -1, &ev)
					c.retries.Add(1)
					c.pool.NoteRetry(key)
					r, own = next, true
					continue
				}
			}
			resp.Request = req
			return resp, nil
		}
		ev.released()
		next := c.replay(req, err, info.Reused || info.WasIdle, attempt)
		if next == nil {
			return nil, c.finalError(req, err, sent)
		}
		if p := retry.ProgressOf(err); p != retry.Unprocessed && p != retry.Invalid {
			sent = true
		}
		stale := retry.Stale(err)
		budgetLeft := -1
		if !stale { // a stale conn's server saw nothing: no token
			var ok bool
			if ok, budgetLeft = c.pool.SpendRetry(key); !ok {
				if next != req {
					closeBody(next)
				}
				c.logRetryRefused(req, key, attempt+1, err)
				ev.retryDenied(attempt+1, LimitBudget, err)
				return nil, c.finalError(req, err, sent)
			}
		}
		var wait time.Duration
		if stale {
			attempt-- // neither a try nor a wait: see retry.MarkStale
		} else if attempt > 1 || retry.Refused(err) {
			waits++
			wait = c.backoff.Delay(waits, rand.Float64())
		}
		c.noteResend(req, key, info, attempt+1, wait, err, budgetLeft, &ev)
		if werr := retry.Wait(ctx, c.closeCtx.Done(), wait); werr != nil {
			if next != req {
				closeBody(next)
			}
			return nil, c.finalError(req, err, sent)
		}
		c.retries.Add(1)
		c.pool.NoteRetry(key)
		r = next
	}
}

// logRetryRefused logs a resend the origin's retry budget refused.
func (c *Client) logRetryRefused(req *http.Request, key pool.Key, attempt int, err error) {
	if c.cfg.logger != nil {
		c.cfg.logger.Info("plex: not sending request again: retry budget spent", "method", req.Method,
			"origin", key.Scheme+"://"+key.Addr, "attempt", attempt, "limit", LimitBudget, "reason", err.Error())
	}
}

// noteResend reports a resend to the log, the event listener and the
// request's RetryTrace. Resends are rare, so the trace is looked up in the
// context each time rather than kept across tries.
func (c *Client) noteResend(req *http.Request, key pool.Key, info pool.GotInfo, attempt int, wait time.Duration, err error, budgetLeft int, ev *requestEvents) {
	if c.cfg.logger != nil {
		c.cfg.logger.Info("plex: sending request again", "method", req.Method,
			"origin", key.Scheme+"://"+key.Addr, "conn", uint64(info.Conn), "attempt", attempt, "wait", wait, "reason", err.Error())
	}
	ev.retry(attempt, wait, err, budgetLeft)
	traceRetry(ContextRetryTrace(req.Context()), req, attempt, err, info.Reused, wait)
}

// replay decides, in the one place that reads the retry markers, whether a
// failed request may be sent again, and returns the request to send, or nil.
// reused is true for a connection that carried a request before or waited
// idle in the pool: either may have been closed by the server unseen.
func (c *Client) replay(req *http.Request, err error, reused bool, attempt int) *http.Request {
	if !c.backoff.Allows(attempt) {
		return nil
	}
	switch retry.ProgressOf(err) {
	case retry.Unprocessed:
	case retry.NoResponse:
		// The server most likely closed a connection that had been idle
		// just as the request went out; only a request that may be
		// repeated can be sent again, since it may have arrived.
		if !idempotent(req) || !(reused || retry.AtShutdown(err)) {
			return nil
		}
	default:
		return nil
	}
	return c.again(req)
}

// again returns req ready to be sent once more: req itself when it has no
// body, else a copy with a fresh body from GetBody; or nil once Close or
// req's context ended, or when its body cannot be had again.
func (c *Client) again(req *http.Request) *http.Request {
	if c.closed.Load() || req.Context().Err() != nil || !replayableBody(req) {
		return nil
	}
	if req.Body == nil || req.Body == http.NoBody {
		return req
	}
	body, err := req.GetBody()
	if err != nil {
		return nil
	}
	r := *req
	r.Body = body
	return &r
}

// replayableBody reports whether req's body can be sent again.
func replayableBody(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// idempotent reports whether sending req twice has the effect of sending it
// once (RFC 9110 §9.2.2), for the methods and headers net/http trusts.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	_, ok := req.Header["X-Idempotency-Key"]
	return ok
}

// finalError shapes the error RoundTrip returns: it matches the request
// context's error when that ended the request, ErrClientClosed when Close
// did, and ErrMaybeProcessed unless the request provably never reached the
// server's application. sent says an earlier try may have reached it: a
// last try that provably did not cannot vouch for those.
func (c *Client) finalError(req *http.Request, err error, sent bool) error {
	if cerr := req.Context().Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	if c.closed.Load() && !errors.Is(err, ErrClientClosed) {
		err = fmt.Errorf("%w: %w", ErrClientClosed, err)
	}
	if !sent {
		switch retry.ProgressOf(err) {
		case retry.Unprocessed, retry.Invalid:
			return err
		}
	}
	return &maybeProcessedError{err: err}
}

// maybeProcessedError says that err's request may have been processed. The
// note goes in front, so the cause's own text stays whole at the end, where
// programs written for net/http look for it. An HTTP/2 stream error that
// reads exactly as x/net's keeps that text alone: connect-go recognises a
// reset by its first bytes ("stream error: ") and its last ("; received
// from peer") and maps its code to an RPC code. errors.Is(err,
// ErrMaybeProcessed) still tells.
type maybeProcessedError struct{ err error }

func (e *maybeProcessedError) Error() string {
	msg := e.err.Error()
	var se http2.StreamError
	if errors.As(e.err, &se) && msg == se.Error() {
		return msg
	}
	return "plex: " + ErrMaybeProcessed.Error() + ": " + msg
}
func (e *maybeProcessedError) Unwrap() []error { return []error{e.err, ErrMaybeProcessed} }

// Timeout keeps a wrapped timeout visible to callers, such as url.Error,
// that ask the error directly rather than through errors.As.
func (e *maybeProcessedError) Timeout() bool {
	var ne interface{ Timeout() bool }
	return errors.As(e.err, &ne) && ne.Timeout()
}

// netConnOf gives the net.Conn under a pool connection for httptrace.
func netConnOf(c pool.Conn) net.Conn {
	if nc, ok := c.(interface{ NetConn() net.Conn }); ok {
		return nc.NetConn()
	}
	return nil
}
