package h2

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/plexhttp/plex/internal/timeout"
)

// errBodyClosed is returned by reads after the response body was closed.
var errBodyClosed = errors.New("h2: read on closed response body")

// responseBody is the Body of a response with content. It lives inside its
// stream so a response costs no extra allocation.
type responseBody struct{ cs *stream }

// Read returns buffered response bytes, waiting for the next DATA frame when
// none are buffered, and returns the stream's window credit as it goes.
func (b *responseBody) Read(p []byte) (int, error) {
	cs := b.cs
	cc := cs.cc
	// until is when this Read gives up waiting (BodyReadTimeout): set at
	// its first wait and kept across wake-ups that bring no byte.
	var until time.Time
	cc.mu.Lock()
	for {
		if cs.rbuf.Len() > 0 && len(p) > 0 {
			n := cs.rbuf.Read(p)
			var a actions
			if !cc.closed {
				a.connWU = cc.recvWin.release(n)
			}
			if !cs.recvEnd && !cs.closed {
				a.streamID, a.streamWU = cs.id, cc.growStreamLocked(cs)+cs.recv.release(n)
			}
			cc.mu.Unlock()
			cc.run(&a)
			return n, nil
		}
		if err := cs.readErr; err != nil {
			if err == io.EOF && !cs.bodyClosed {
				cs.deliverTrailersLocked()
				cs.finishBodyLocked()
			}
			cc.mu.Unlock()
			return 0, err
		}
		if len(p) == 0 {
			cc.mu.Unlock()
			return 0, nil
		}
		var a actions
		cc.startWaitingLocked(cs, &a)
		cc.mu.Unlock()
		if a.connWU != 0 {
			cc.run(&a)
		}
		// Woken by DATA, END_STREAM, a reset, the request context (through
		// the stream's context hook) or the connection closing.
		if d := cc.cfg.BodyReadTimeout; d > 0 && until.IsZero() {
			until = time.Now().Add(d)
		}
		woken := cs.awaitWake(until)
		cc.mu.Lock()
		cc.doneWaitingLocked(cs)
		if !woken && cs.rbuf.Len() == 0 && cs.readErr == nil {
			var a actions
			err := timeout.Errorf("h2: body read timeout: no byte on stream %d for %v", cs.id, cc.cfg.BodyReadTimeout)
			cc.abortStreamLocked(cs, err, ErrCodeCancel, true, &a)
			cc.mu.Unlock()
			cc.run(&a)
			cc.mu.Lock()
		}
	}
}

// awaitWake waits for the stream's wake signal, or until until when it is
// not zero; false means until came first.
func (cs *stream) awaitWake(until time.Time) bool {
	if until.IsZero() {
		<-cs.wake
		return true
	}
	t := time.NewTimer(time.Until(until))
	defer t.Stop()
	select {
	case <-cs.wake:
		return true
	case <-t.C:
		return false
	}
}

// Close discards unread bytes (returning their credit to the connection)
// and, if the response is not complete, resets the stream with CANCEL.
func (b *responseBody) Close() error {
	cs := b.cs
	cc := cs.cc
	var a actions
	cc.mu.Lock()
	if cs.bodyClosed {
		// Read to EOF already finished the body. An upload still under
		// way (the server answered early and never opened the window)
		// would otherwise hold the stream until the connection ends.
		if !cs.closed {
			cc.abortStreamLocked(cs, errBodyClosed, ErrCodeCancel, true, &a)
		}
		cc.mu.Unlock()
		cc.run(&a)
		return nil
	}
	if unread := cs.rbuf.Len(); unread > 0 && !cc.closed {
		a.connWU = cc.recvWin.release(unread)
	}
	cs.rbuf.Reset()
	if cs.readErr == nil || cs.readErr == io.EOF {
		cs.readErr = errBodyClosed
	}
	cc.abortStreamLocked(cs, errBodyClosed, ErrCodeCancel, true, &a)
	cs.finishBodyLocked()
	cc.mu.Unlock()
	cc.run(&a)
	return nil
}

// deliverTrailersLocked fills resp.Trailer on the reader's goroutine as it
// reaches EOF, as HTTP/1.1 does: before EOF the map holds only the names the
// response declared, so reading it then never races with the connection.
func (cs *stream) deliverTrailersLocked() {
	if cs.trailers == nil {
		return
	}
	if cs.resp.Trailer == nil {
		cs.resp.Trailer = make(http.Header, len(cs.trailers))
	}
	for k, v := range cs.trailers {
		cs.resp.Trailer[k] = v
	}
	cs.trailers = nil
}

// finishBodyLocked runs once when the application is done with the body.
func (cs *stream) finishBodyLocked() {
	cs.bodyClosed = true
	if cs.stopCtx != nil {
		cs.stopCtx()
	}
}
