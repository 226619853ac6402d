package h1

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"os"
	"time"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/timeout"
)

// RoundTrip carries req on the slot taken by Reserve. The request body is
// always closed. The slot frees when the response body reaches EOF or is
// closed, or at once when RoundTrip fails or the response has no body.
// Errors record how far the request got, for the plex Client's retries.
func (c *Conn) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if !c.reserved || c.active {
		c.mu.Unlock()
		closeBody(req)
		return nil, retry.Mark(errNotReserved, retry.Unprocessed)
	}
	if err := c.err; err != nil {
		c.reserved = false
		c.mu.Unlock()
		closeBody(req)
		c.onChange()
		return nil, retry.Mark(fmt.Errorf("h1: connection unusable: %w", err), retry.Unprocessed)
	}
	c.active = true
	c.keepAlive = true
	if req.Body != nil {
		c.reqBody = req.Body
	}
	check := c.used || c.waitedIdle
	c.waitedIdle = false
	c.mu.Unlock()

	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		c.exchangeDone(true)
		return nil, retry.Mark(ctxError("h1: request not sent", err), retry.Unprocessed)
	}
	ex := exchange{req: req, budget: c.cfg.maxHeaderBytes()}
	if err := c.makePlan(req, &ex.pl); err != nil {
		c.exchangeDone(true)
		return nil, retry.Mark(err, retry.Invalid)
	}
	if check {
		if err := c.checkIdle(); err != nil {
			if l := c.cfg.Logger; l != nil {
				l.Debug("h1: idle connection found dead", "remote", c.nc.RemoteAddr(), "err", err)
			}
			c.closeNet(err)
			c.exchangeDone(false)
			return nil, retry.MarkStale(err)
		}
	}
	ex.start = time.Now() // after the check, which may have waited

	c.written.Store(0)
	trace := httptrace.ContextClientTrace(ctx)
	c.mu.Lock()
	c.ctx = ctx
	c.trace = trace
	c.writeErr, c.bodyErr = nil, nil
	c.awaitingHeader = true
	if ex.pl.close {
		c.keepAlive = false
		c.err = errReqClose
	}
	if ctx.Done() != nil {
		c.stopCtx = context.AfterFunc(ctx, c.ctxDone)
	}
	c.mu.Unlock()
	ex.trace = trace

	resp, err := c.carry(&ex)
	if err != nil {
		err = c.failure(&ex, err)
		c.closeNet(err)
		c.exchangeDone(false)
		return nil, err
	}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// carry writes the request and reads the response head.
func (c *Conn) carry(ex *exchange) (*http.Response, error) {
	req, pl, trace := ex.req, &ex.pl, ex.trace
	c.writeHeader(req, pl, trace)
	if trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders()
	}
	switch {
	case !pl.hasBody:
		// The header goes out at once: the clock was just read, and that
		// reading serves for the write deadline too.
		c.cw.now = ex.start
		err := c.bw.Flush()
		c.cw.now = time.Time{}
		c.wroteRequest(nil, err, trace)
	case pl.expect:
		if err := c.bw.Flush(); err != nil {
			return nil, err
		}
		if trace != nil && trace.Wait100Continue != nil {
			trace.Wait100Continue()
		}
		resp, kind, n, err := c.await100(ex)
		if err != nil {
			return nil, err
		}
		if resp != nil {
			// The server answered without asking for the body. It may still
			// expect the declared bytes, so the connection cannot carry
			// another request.
			c.mu.Lock()
			c.keepAlive = false
			c.mu.Unlock()
			c.closeReqBody()
			return c.deliver(ex, resp, kind, n), nil
		}
		if err := c.sendBody(req, pl, trace); err != nil {
			return nil, err
		}
	default:
		if err := c.sendBody(req, pl, trace); err != nil {
			return nil, err
		}
	}
	resp, kind, n, err := c.readFinal(ex)
	if err != nil {
		return nil, err
	}
	if err := c.failedBody(); err != nil {
		// The body failed before the answer was read, and closing the
		// connection for it may have let the server answer the cut-short
		// request (a TLS close_notify reads as the end of the body). As
		// net/http does, the body's error is the outcome.
		return nil, err
	}
	return c.deliver(ex, resp, kind, n), nil
}

// failedBody is the request body's Read error, if the body writer met one.
func (c *Conn) failedBody() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bodyErr
}

// await100 waits, up to ExpectContinueTimeout, for the server's reaction
// to the header. It returns a nil response when the body should go now (100
// received or no answer in time), or the final response that made the body
// unnecessary.
func (c *Conn) await100(ex *exchange) (*http.Response, bodyKind, int64, error) {
	for {
		if err := c.nc.SetReadDeadline(time.Now().Add(c.cfg.ExpectContinueTimeout)); err != nil {
			return nil, 0, 0, err
		}
		_, err := c.br.Peek(1)
		if derr := c.nc.SetReadDeadline(timeZero); derr != nil && err == nil {
			err = derr
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && c.ctxWrap("", nil) == nil {
			return nil, 0, 0, nil
		}
		if err != nil {
			return nil, 0, 0, err
		}
		resp, kind, n, err := c.readHead(ex)
		if err != nil {
			return nil, 0, 0, err
		}
		switch {
		case resp.StatusCode == http.StatusContinue:
			if ex.trace != nil && ex.trace.Got100Continue != nil {
				ex.trace.Got100Continue()
			}
			return nil, 0, 0, c.informational(ex, resp)
		case resp.StatusCode/100 == 1 && resp.StatusCode != http.StatusSwitchingProtocols:
			if err := c.informational(ex, resp); err != nil {
				return nil, 0, 0, err
			}
		default:
			return resp, kind, n, nil
		}
	}
}

// armHeaderTimerLocked starts ResponseHeaderTimeout once the request is
// fully written, if the header has not arrived yet.
func (c *Conn) armHeaderTimerLocked() {
	d := c.cfg.ResponseHeaderTimeout
	if d <= 0 || !c.awaitingHeader || c.netClosed {
		return
	}
	if c.nc.SetReadDeadline(time.Now().Add(d)) == nil {
		c.headerTimer = true
	}
}

// failure turns what went wrong in an exchange into the error RoundTrip
// returns, marked with how far the request got, and wrapping the cause
// given to CloseWithError if that cut it short.
func (c *Conn) failure(ex *exchange, err error) error {
	err = c.classify(ex, err)
	c.mu.Lock()
	cause, ctxErr := c.closeCause, c.ctxErr
	c.mu.Unlock()
	if cause != nil && ctxErr == nil {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

func (c *Conn) classify(ex *exchange, err error) error {
	c.mu.Lock()
	ctxErr, bodyErr, writeErr, timer := c.ctxErr, c.bodyErr, c.writeErr, c.headerTimer
	if ctxErr == nil && c.ctx != nil {
		ctxErr = c.ctx.Err()
	}
	c.mu.Unlock()
	written := c.written.Load()
	switch {
	case ctxErr != nil:
		phase := "awaiting response header"
		if !ex.gotByte && written == 0 {
			phase = "writing request"
		}
		return ctxError(fmt.Sprintf("h1: %s (wrote %d bytes)", phase, written), ctxErr)
	case bodyErr != nil:
		return bodyErr
	case timer && errors.Is(err, os.ErrDeadlineExceeded):
		return &headerTimeoutError{timeout.Errorf("h1: timeout awaiting response headers after %v (wrote %d bytes)", c.cfg.ResponseHeaderTimeout, written)}
	case written == 0:
		if writeErr != nil {
			err = writeErr
		}
		return retry.Mark(fmt.Errorf("h1: writing request: %w", err), retry.Unprocessed)
	case writeErr != nil && isStall(writeErr) && !ex.gotByte:
		// The stalled write closed the connection, and the read failed
		// for that: the stall is what went wrong.
		return retry.Mark(writeErr, retry.NoResponse)
	case !ex.gotByte:
		return retry.Mark(fmt.Errorf("h1: connection closed before response (wrote %d bytes): %w", written, err), retry.NoResponse)
	}
	var pe *parseError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("h1: reading response: %w", err)
}
