package h2

import (
	"fmt"
	"io"
	"net/http/httptrace"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// writerPhase is where a request body's writer goroutine is, as RoundTrip
// sees it when deciding whether to wait for the writer's WroteRequest.
type writerPhase uint8

const (
	// writerBusy: reading the body or writing frames, either of which
	// may block on the application or on the connection.
	writerBusy writerPhase = iota
	// writerAwaitingContinue: parked until a 100, a final response, the
	// stream's end or ExpectContinueTimeout.
	writerAwaitingContinue
	// writerAwaitingWindow: parked until the send window grows or the
	// stream ends.
	writerAwaitingWindow
	// writerDone: finished writing; WroteRequest comes next, with nothing
	// that blocks before it.
	writerDone
)

// awaitsWroteRequestLocked reports whether RoundTrip, about to return a
// response (failed false) or an error, first waits for the body writer's
// WroteRequest. x/net fires WroteRequest before the caller sees the
// request fail, and right after the body's last frame (before the answer
// to it, in practice); here the writer and the response reader race, so
// RoundTrip waits wherever how the writing ended is already settled: the
// writer is done, or parked on a wait that what RoundTrip saw cuts short,
// or (for a response) was writing END_STREAM when the response came.
func (cs *stream) awaitsWroteRequestLocked(failed bool) bool {
	if cs.wroteReq == nil {
		return false
	}
	switch cs.wphase {
	case writerDone:
		return true
	case writerAwaitingContinue:
		// A final response without a 100 ends that wait: no body.
		return failed || !cs.got100
	case writerAwaitingWindow:
		return failed
	}
	// Busy: the body or the connection may hold the writer for long, but
	// for the flush of a request that was complete before its answer.
	// That flush is bounded by WriteByteTimeout, and the wait by the
	// request's context.
	return !failed && cs.endBeforeFinal
}

// awaitWroteRequest waits for the body writer's WroteRequest.
func (cs *stream) awaitWroteRequest() {
	select {
	case <-cs.wroteReq:
	case <-cs.req.Context().Done():
	}
}

func (cs *stream) wroteRequest(err error) {
	if cs.trace != nil && cs.trace.WroteRequest != nil {
		cs.trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
}

// Upload buffers come in two sizes: small bodies take a small one, and
// large ones read (and so send, where the peer's MAX_FRAME_SIZE and the
// windows allow) up to 256 KiB per frame, which cuts per-frame costs on
// fast links as much as it can while a buffer's memory stays modest.
var (
	smallBodyBufPool = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}
	largeBodyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
)

func bodyBufPool(declared int64) *sync.Pool {
	if declared >= 0 && declared <= 16<<10 {
		return &smallBodyBufPool
	}
	return &largeBodyBufPool
}

// writeBody uploads the request body on its own goroutine, so the response
// may arrive (and be read) while the upload runs. It ends when the body is
// sent, fails, or the stream ends.
func (cs *stream) writeBody(body io.ReadCloser, declared int64, expect bool) {
	cc := cs.cc
	var err error
	if !expect || cs.awaitContinue() {
		pool := bodyBufPool(declared)
		bp := pool.Get().(*[]byte)
		var ended bool
		ended, err = cs.copyBody(body, *bp, declared)
		pool.Put(bp)
		if err == nil && !ended {
			err = cs.finishUpload()
		}
	}
	cc.mu.Lock()
	cs.wphase = writerDone
	owned := cs.reqBody != nil
	cs.reqBody = nil
	cc.mu.Unlock()
	// Before the stream or the connection fails with err: whoever sees
	// that failure has seen how the writing ended.
	cs.wroteRequest(err)
	close(cs.wroteReq)
	switch {
	case cs.connWriteErr != nil:
		cc.closeWithError(cs.connWriteErr)
	case err != nil:
		cc.abortStream(cs, err, ErrCodeCancel, true)
	}
	signal(cs.wake) // RoundTrip's response-header timeout starts now
	if owned {
		body.Close()
	}
}

// awaitContinue waits, up to ExpectContinueTimeout, for the server's
// answer to "Expect: 100-continue" and reports whether to send the body: a
// 100 or the timer says yes. A final response first says no (RFC 9110
// §10.1.1): the server decided without the body, and our half of the
// stream is reset once the response is complete. So does a stream that
// ended, whose error RoundTrip or the body's reader reports. The stream's
// state is looked at before the timer's word, so a writer RoundTrip saw
// parked here with a final response never sends the body.
func (cs *stream) awaitContinue() bool {
	cc := cs.cc
	t := time.NewTimer(cc.cfg.ExpectContinueTimeout)
	defer t.Stop()
	expired := false
	for {
		var a actions
		cc.mu.Lock()
		got100, final, ended := cs.got100, cs.gotFinal, cs.writeErr != nil
		stop := ended || final && !got100
		send := !stop && (got100 || expired)
		switch {
		case final && !got100 && !ended:
			cs.uploadDropped = true
			if cs.recvEnd && !cs.closed {
				cc.abortStreamLocked(cs, errResponseComplete, ErrCodeCancel, true, &a)
			}
		case send:
			cs.wphase = writerBusy
		case !stop:
			cs.wphase = writerAwaitingContinue
		}
		cc.mu.Unlock()
		cc.run(&a)
		switch {
		case stop:
			return false
		case send:
			return true
		}
		select {
		case <-cs.sendable:
		case <-t.C:
			expired = true
		}
	}
}

func (cs *stream) copyBody(body io.Reader, buf []byte, declared int64) (ended bool, err error) {
	trailers := len(cs.req.Trailer) > 0
	var sent int64
	for {
		n, rerr := body.Read(buf)
		sent += int64(n)
		if declared >= 0 && sent > declared {
			return false, fmt.Errorf("h2: request body longer than its ContentLength %d", declared)
		}
		if n > 0 && rerr == nil && sent == declared {
			// The declared length is in. Make sure the body ends here, so
			// END_STREAM rides on this last DATA frame, as x/net sends
			// it: a server that has the whole body may answer at once,
			// and its answer should find the request complete, not
			// waiting for an empty frame to follow.
			m, perr := body.Read(cs.probe[:])
			if m > 0 {
				return false, fmt.Errorf("h2: request body longer than its ContentLength %d", declared)
			}
			rerr = perr
		}
		last := rerr == io.EOF && !trailers && (declared < 0 || sent == declared)
		if n > 0 || last {
			if err := cs.sendData(buf[:n], last); err != nil {
				return false, err
			}
		}
		switch {
		case rerr == io.EOF:
			if declared >= 0 && sent != declared {
				return false, fmt.Errorf("h2: request body of %d bytes, ContentLength says %d", sent, declared)
			}
			return last, nil
		case rerr != nil:
			return false, fmt.Errorf("h2: reading request body: %w", rerr)
		}
	}
}

// finishUpload ends the request: trailers if any, else an empty END_STREAM
// DATA frame. A failed write to the connection is left in connWriteErr for
// the caller to close the connection with.
func (cs *stream) finishUpload() error {
	if len(cs.req.Trailer) == 0 {
		return cs.sendData(nil, true)
	}
	cc := cs.cc
	var a actions
	w := &cc.w
	w.begin()
	if err := w.encodeTrailersLocked(cs.req.Trailer); err != nil {
		_ = w.end()
		return err
	}
	cc.mu.Lock()
	if err := cs.writeErr; err != nil {
		cc.mu.Unlock()
		_ = w.end()
		return err
	}
	cc.endSendLocked(cs, &a)
	maxFrame := cc.peer.maxFrameSize
	cc.mu.Unlock()
	w.writeHeaderBlockLocked(cs.id, true, maxFrame)
	if err := w.end(); err != nil {
		cs.connWriteErr = writeFailure(err)
		return cs.connWriteErr
	}
	cc.run(&a)
	return nil
}

// sendData writes data as DATA frames within both send windows and the
// peer's frame size, waiting for WINDOW_UPDATEs as needed. end sets
// END_STREAM on the last frame (an empty frame when data is empty). A
// failed write to the connection is left in connWriteErr for the caller
// to close the connection with.
func (cs *stream) sendData(data []byte, end bool) error {
	cc := cs.cc
	w := &cc.w
	for first := true; first || len(data) > 0; first = false {
		var a actions
		w.begin()
		cc.mu.Lock()
		if err := cs.writeErr; err != nil {
			cc.mu.Unlock()
			_ = w.end()
			return err
		}
		n := min(int64(len(data)), int64(cc.peer.maxFrameSize), cs.send.available(), cc.sendWin.available())
		if n == 0 && len(data) > 0 {
			cc.mu.Unlock()
			_ = w.end()
			if err := cs.awaitWindow(); err != nil {
				return err
			}
			first = true
			continue
		}
		cs.send.take(n)
		cc.sendWin.take(n)
		last := end && n == int64(len(data))
		if last {
			cc.endSendLocked(cs, &a)
		}
		cc.mu.Unlock()
		w.noteLocked(w.fr.WriteData(cs.id, last, data[:n]))
		if w.trace != nil {
			w.traceWriteLocked(http2.FrameData, dataFlags(last), cs.id, uint32(n), "")
		}
		data = data[n:]
		if err := w.end(); err != nil {
			cs.connWriteErr = writeFailure(err)
			return cs.connWriteErr
		}
		cc.run(&a)
	}
	return nil
}

// awaitWindow parks the writer until a WINDOW_UPDATE, SETTINGS or the
// stream's end wakes it, and returns the stream's end, if that is what
// came. The writer's phase says it is parked only while nothing but the
// wake-up can hold it, so a RoundTrip that fails meanwhile may wait for it.
func (cs *stream) awaitWindow() error {
	cc := cs.cc
	cc.mu.Lock()
	if err := cs.writeErr; err != nil {
		cc.mu.Unlock()
		return err
	}
	cs.wphase = writerAwaitingWindow
	cc.mu.Unlock()
	<-cs.sendable
	cc.mu.Lock()
	err := cs.writeErr
	if err == nil {
		cs.wphase = writerBusy
	}
	// Else the phase stays: the writer returns err with nothing left that
	// blocks, so a RoundTrip failing with the same end, which may look
	// after this wake-up, still waits for WroteRequest.
	cc.mu.Unlock()
	return err
}

func dataFlags(end bool) http2.Flags {
	if end {
		return http2.FlagDataEndStream
	}
	return 0
}
