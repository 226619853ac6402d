package h2

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/timeout"
)

// maxStreamID is the largest stream id (§5.1.1); a connection that used it
// up takes no more requests.
const maxStreamID = 1<<31 - 1

// RoundTrip sends req on a new stream and returns the response once its
// headers arrive. It uses a slot taken earlier with Reserve; without one it
// waits for a free slot, honouring req.Context().
//
// The request context governs the whole exchange, body reads included: when
// it ends, the stream is reset with CANCEL and the error wraps ctx.Err().
// Errors carry retry marks saying how far the request got.
func (cc *ClientConn) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	rh, err := cc.prepareRequest(req)
	if err != nil {
		// Sending it again cannot help: the request itself is at fault.
		err = retry.Mark(err, retry.Invalid)
	} else if ctx.Err() != nil {
		err = retry.Mark(fmt.Errorf("h2: request not sent: %w", ctx.Err()), retry.Unprocessed)
	}
	if err != nil {
		cc.Release() // the reservation, if any, goes unused
		closeRequestBody(req)
		return nil, err
	}
	if err := cc.acquireSlot(ctx); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	cs := &stream{
		cc:        cc,
		req:       req,
		trace:     httptrace.ContextClientTrace(ctx),
		isHead:    rh.method == http.MethodHead,
		addedGzip: rh.addGzip,
		wake:      make(chan struct{}, 1),
		wantLen:   -1,
	}
	uploads := rh.hasBody || rh.hasTrailer
	if uploads {
		cs.sendable = make(chan struct{}, 1)
	}
	if rh.hasBody {
		cs.reqBody = req.Body
		cs.wroteReq = make(chan struct{})
	}
	if err := cc.openStream(cs, &rh, !uploads); err != nil {
		closeRequestBody(req)
		return nil, err
	}
	if ctx.Done() != nil {
		cs.stopCtx = context.AfterFunc(ctx, func() {
			cc.abortStream(cs, ctxError(ctx), ErrCodeCancel, true)
		})
	}
	if cs.trace != nil && cs.trace.WroteHeaders != nil {
		cs.trace.WroteHeaders()
	}
	if rh.expect && cs.trace != nil && cs.trace.Wait100Continue != nil {
		// Here rather than in writeBody's goroutine, so that it comes
		// before any answer to the request, as in net/http.
		cs.trace.Wait100Continue()
	}
	switch {
	case rh.hasBody:
		go cs.writeBody(req.Body, rh.bodyLen, rh.expect)
	case rh.hasTrailer:
		cs.wroteRequest(cs.finishUpload())
		if cs.connWriteErr != nil {
			cc.closeWithError(cs.connWriteErr)
		}
	default:
		cs.wroteRequest(nil)
	}
	return cs.awaitResponse()
}

func ctxError(ctx context.Context) error {
	err := context.Cause(ctx)
	if err != ctx.Err() {
		return fmt.Errorf("h2: request canceled: %w (%w)", ctx.Err(), err)
	}
	return fmt.Errorf("h2: request canceled: %w", err)
}

func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// acquireSlot turns the caller's reservation, or a free slot, or the first
// slot to free up (awaitOpenSlot), into a pending slot for this request.
func (cc *ClientConn) acquireSlot(ctx context.Context) error {
	cc.mu.Lock()
	if cc.err != nil {
		err := cc.err
		dropped := cc.slots.reserved > 0
		if dropped {
			cc.slots.reserved--
			cc.noteIdleLocked()
		}
		cc.mu.Unlock()
		if dropped {
			// The pool counts this slot until it hears otherwise.
			cc.changed()
		}
		return notProcessed(err)
	}
	s := &cc.slots
	if s.reserved > 0 {
		s.reserved--
		if s.active+s.pending+s.resets >= s.limit {
			// The peer lowered its stream limit (its first SETTINGS, often)
			// after the pool handed out this slot. Opening the stream would
			// exceed what the peer allows; nothing was sent, so the caller
			// may take a slot elsewhere.
			limit := s.limit
			cc.noteIdleLocked()
			cc.mu.Unlock()
			cc.changed()
			return retry.Mark(fmt.Errorf("h2: server lowered its stream limit to %d before the request could start", limit), retry.Unprocessed)
		}
		s.pending++
		cc.mu.Unlock()
		return nil
	}
	if len(s.waiters) == 0 && s.available() > 0 {
		s.pending++
		cc.idleSince = time.Time{}
		cc.mu.Unlock()
		return nil
	}
	return cc.awaitOpenSlotLocked(ctx)
}

// awaitOpenSlotLocked queues the caller for a slot, each waiter on its own
// channel so a waiter can also watch its context. Called with mu held;
// returns with it released.
func (cc *ClientConn) awaitOpenSlotLocked(ctx context.Context) error {
	w := &slotWaiter{ch: make(chan struct{})}
	cc.slots.waiters = append(cc.slots.waiters, w)
	cc.mu.Unlock()
	select {
	case <-w.ch:
	case <-ctx.Done():
	}
	cc.mu.Lock()
	if w.granted {
		if ctx.Err() == nil {
			cc.idleSince = time.Time{}
			cc.mu.Unlock()
			return nil
		}
		cc.slots.pending--
		cc.slots.grant()
		cc.noteIdleLocked()
	}
	cc.slots.remove(w)
	err := cc.err
	cc.mu.Unlock()
	if w.granted {
		cc.changed() // the slot this waiter got and gave up is free again
	}
	if err == nil {
		err = fmt.Errorf("h2: waiting for a stream slot: %w", ctxError(ctx))
	}
	return notProcessed(err)
}

// openStream assigns the next stream id and writes the request headers,
// both under the writer lock so ids reach the wire in increasing order
// (§5.1.1). On failure the stream ends with the error RoundTrip returns.
func (cc *ClientConn) openStream(cs *stream, rh *reqHeaders, endStream bool) error {
	var a actions
	w := &cc.w
	w.begin()
	cc.mu.Lock()
	var err error
	switch {
	case cc.err != nil:
		err = notProcessed(cc.err)
	case rh.listSize > uint64(cc.peer.maxHeaderListSize):
		err = retry.Mark(fmt.Errorf("h2: request header list of %d bytes exceeds the server's limit of %d", rh.listSize, cc.peer.maxHeaderListSize), retry.Invalid)
	case cc.nextID > maxStreamID:
		cc.err = errors.New("h2: stream ids exhausted")
		a.changed = true
		err = notProcessed(cc.err)
	case cc.slots.active+cc.slots.resets >= cc.slots.limit:
		// The slot was taken under an older, higher limit, and the
		// peer's SETTINGS lowering it was applied since. The writer lock
		// orders our HEADERS against the SETTINGS ACK: once the peer
		// has the ACK, a stream over its limit is a PROTOCOL_ERROR
		// (RFC 9113 §5.1.2) that would fail the request after all.
		// Nothing was sent, so the caller may take a slot elsewhere.
		err = retry.Mark(fmt.Errorf("h2: server lowered its stream limit to %d before the request could start", cc.slots.limit), retry.Unprocessed)
	}
	if err != nil {
		cc.slots.pending--
		cc.slots.grant()
		cc.noteIdleLocked()
		a.changed = true // the pending slot is free again
		cc.mu.Unlock()
		_ = w.end()
		cc.run(&a)
		return err
	}
	cs.id = cc.nextID
	cs.framesAtOpen = cc.framesRead.Load()
	cc.nextID += 2
	cc.streams[cs.id] = cs
	cc.slots.pending--
	cc.slots.active++
	if cc.cfg.DisableKeepAlives {
		// The connection closes when this stream ends (closeStreamLocked);
		// anyone waiting for a slot here goes elsewhere.
		cc.err = errOneRequest
		cc.slots.failAll()
		a.changed = true
	}
	cs.send = newSendWindow(cc.peer.initialWindow)
	cs.recv = newRecvWindow(cc.cfg.InitialStreamWindowSize)
	cs.wroteHdrs = true
	cs.sentEnd = endStream
	maxFrame := cc.peer.maxFrameSize
	cc.mu.Unlock()
	defer cc.run(&a)

	var seen *[]string
	if cs.trace != nil && cs.trace.WroteHeaderField != nil {
		seen = new([]string)
	}
	w.encodeHeadersLocked(rh, seen)
	w.writeHeaderBlockLocked(cs.id, endStream, maxFrame)
	if err := w.end(); err != nil {
		// The stream fails with the connection; RoundTrip reports that.
		cc.closeWithError(writeFailure(err))
	}
	if seen != nil {
		// As in net/http: one call per field as encoded, pseudo-header
		// fields included, each with its single value. They come after
		// the writer lock is released, so a slow hook stalls only this
		// request.
		for i := 0; i+1 < len(*seen); i += 2 {
			cs.trace.WroteHeaderField((*seen)[i], []string{(*seen)[i+1]})
		}
	}
	return nil
}

// awaitResponse waits for the final response headers or the stream's end.
//
// ResponseHeaderTimeout counts from the end of writing the request, its
// body included, as on HTTP/1.1 (and in net/http): a slow upload is not a
// slow server.
func (cs *stream) awaitResponse() (*http.Response, error) {
	cc := cs.cc
	d := cc.cfg.ResponseHeaderTimeout
	var expired <-chan time.Time
	armed := d <= 0
	for {
		var a actions
		cc.mu.Lock()
		cc.doneWaitingLocked(cs)
		resp, err := cs.resp, cs.respErr
		// Written whole before RoundTrip waits, or by the body's writer.
		sent := cs.wroteReq == nil || cs.wphase == writerDone
		awaitWrote := false
		if resp == nil && err == nil {
			// Some servers (nginx among them) send a response's HEADERS
			// only once they can send DATA with it.
			cc.startWaitingLocked(cs, &a)
		} else {
			awaitWrote = cs.awaitsWroteRequestLocked(err != nil)
		}
		cc.mu.Unlock()
		if a.connWU != 0 {
			cc.run(&a)
		}
		if awaitWrote {
			cs.awaitWroteRequest()
		}
		if !armed && sent {
			t := time.NewTimer(d)
			defer t.Stop()
			expired, armed = t.C, true
		}
		if err != nil {
			if cs.stopCtx != nil {
				cs.stopCtx()
			}
			return nil, err
		}
		if resp != nil {
			if resp.Body == http.NoBody && cs.stopCtx != nil {
				cs.stopCtx()
			}
			return resp, nil
		}
		select {
		case <-cs.wake:
		case <-expired:
			// Not marked: the server may be working on the request, and a
			// slow server is no reason to send it again (HTTP/1.1 agrees).
			cc.abortStream(cs, timeout.Errorf("h2: timeout awaiting response headers after %v", d), ErrCodeCancel, true)
			expired = nil
		}
	}
}
