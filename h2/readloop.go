package h2

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/net/http2"
)

// readLoop is the connection's one reader goroutine. It ends when reading
// fails or the connection closes, and closes the connection on its way out.
func (cc *ClientConn) readLoop() {
	defer close(cc.readerDone)
	err := cc.readFrames()
	// closeWithError below calls onChange, and the pool answers a dead
	// connection by calling Close from inside it: Close must not wait for
	// this goroutine, which would then wait for itself.
	cc.readerBusy.Store(true)
	var ce ConnectionError
	if errors.As(err, &ce) && !ce.Remote {
		cc.log.Debug("h2: connection error", "code", ce.Code.String(), "reason", ce.Reason)
		cc.writeGoAway(ce)
	}
	cc.closeWithError(err)
}

func (cc *ClientConn) readFrames() error {
	if err := cc.checkH1Reply(); err != nil {
		return err
	}
	for {
		f, err := cc.fr.ReadFrame()
		if err != nil {
			ce, se := fromFramerError(err, cc.fr.ErrorDetail())
			if se != nil {
				cc.framesRead.Add(1) // a malformed frame is a sign of life too
				cc.onFramerStreamError(*se)
				continue
			}
			if ce != nil {
				return *ce
			}
			return cc.readFailure(err)
		}
		cc.framesRead.Add(1)
		if cc.trace != nil {
			cc.traceRead(f)
		}
		if cc.idleTimer != nil {
			cc.idleTimer.Reset(cc.cfg.ReadIdleTimeout)
		}
		cc.readerBusy.Store(true)
		err = cc.onFrame(f)
		cc.readerBusy.Store(false)
		if err != nil {
			return err
		}
	}
}

func (cc *ClientConn) onFrame(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.DataFrame:
		return cc.onData(f)
	case *http2.HeadersFrame:
		cc.hb.start(f.StreamID, f.StreamEnded())
		return cc.onHeaderFragment(f.HeaderBlockFragment(), false, f.HeadersEnded())
	case *http2.ContinuationFrame:
		return cc.onHeaderFragment(f.HeaderBlockFragment(), true, f.HeadersEnded())
	case *http2.SettingsFrame:
		return cc.onSettings(f)
	case *http2.WindowUpdateFrame:
		return cc.onWindowUpdate(f)
	case *http2.RSTStreamFrame:
		return cc.onRSTStream(f)
	case *http2.PingFrame:
		return cc.onPing(f)
	case *http2.GoAwayFrame:
		return cc.onGoAway(f)
	case *http2.PushPromiseFrame:
		// §8.4: we sent SETTINGS_ENABLE_PUSH=0.
		return ConnectionError{Code: ErrCodeProtocol, Reason: "PUSH_PROMISE received with push disabled"}
	}
	// PRIORITY and unknown frame types are ignored (§5.5).
	return nil
}

func (cc *ClientConn) onHeaderFragment(frag []byte, continuation, end bool) error {
	done, err := cc.hb.add(frag, continuation, end)
	if err != nil || !done {
		return err
	}
	return cc.onHeaderBlock(&cc.hb)
}

// readFailure describes an I/O error that ended the reader.
func (cc *ClientConn) readFailure(err error) error {
	cc.mu.Lock()
	ga, closed := cc.goAway, cc.closed
	cc.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if errors.Is(err, io.EOF) {
		if ga != nil && ga.Code != ErrCodeNo {
			return ConnectionError{Code: ga.Code, Reason: ga.DebugData, Remote: true}
		}
		if ga != nil {
			return &closedAfterGoAwayError{ga: *ga}
		}
		return fmt.Errorf("h2: connection closed by peer: %w", io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("h2: reading from connection: %w", err)
}

func writeFailure(err error) error {
	return fmt.Errorf("h2: writing to connection: %w", err)
}

// writeGoAway tells the peer why we are failing the connection.
func (cc *ClientConn) writeGoAway(ce ConnectionError) {
	w := &cc.w
	w.begin()
	w.noteLocked(w.fr.WriteGoAway(0, http2.ErrCode(ce.Code), []byte(ce.Reason)))
	if w.trace != nil {
		w.traceWriteLocked(http2.FrameGoAway, 0, 0, uint32(8+len(ce.Reason)), fmt.Sprintf("last_stream=0 %s debug=%q", codeSummary(ce.Code), ce.Reason))
	}
	_ = w.end()
}

// onFramerStreamError resets the stream the Framer found at fault.
func (cc *ClientConn) onFramerStreamError(se StreamError) {
	cc.mu.Lock()
	cs := cc.streams[se.StreamID]
	cc.mu.Unlock()
	if cs != nil {
		cc.abortStream(cs, se, se.Code, true)
	}
}

func (cc *ClientConn) onData(f *http2.DataFrame) error {
	var a actions
	n := f.Length // flow control counts padding too (§6.9.1)
	data := f.Data()
	cc.mu.Lock()
	cc.pings.budget.gotHeadersOrData()
	if !cc.recvWin.consume(n) {
		cc.mu.Unlock()
		return ConnectionError{Code: ErrCodeFlowControl, Reason: fmt.Sprintf("DATA of %d bytes on stream %d exceeds the connection window", n, f.StreamID)}
	}
	cc.countDataLocked(n)
	cs, idle := cc.streamLocked(f.StreamID)
	if cs == nil {
		if idle {
			cc.mu.Unlock()
			return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("DATA on idle stream %d", f.StreamID)}
		}
		if err := cc.lateFrameLocked("DATA", f.StreamID); err != nil {
			cc.mu.Unlock()
			return err
		}
		// A stream we reset, or one closed too long ago to judge: the
		// bytes still count against the connection window, so give them
		// back.
		a.connWU = cc.recvWin.release(int(n))
		cc.mu.Unlock()
		cc.run(&a)
		return nil
	}
	if cs.recvEnd {
		cc.mu.Unlock()
		return afterEndStreamError("DATA", f.StreamID)
	}
	switch {
	case !cs.recv.consume(n):
		a.connWU = cc.recvWin.release(int(n))
		cc.abortStreamLocked(cs, cc.streamErr(cs, ErrCodeFlowControl, "DATA of %d bytes exceeds the stream window", n), ErrCodeFlowControl, true, &a)
	case !cs.gotFinal:
		a.connWU = cc.recvWin.release(int(n))
		cc.abortStreamLocked(cs, cc.streamErr(cs, ErrCodeProtocol, "DATA before response headers"), ErrCodeProtocol, true, &a)
	default:
		cc.acceptDataLocked(cs, f, data, n, &a)
	}
	cc.mu.Unlock()
	cc.run(&a)
	return nil
}

func (cc *ClientConn) acceptDataLocked(cs *stream, f *http2.DataFrame, data []byte, n uint32, a *actions) {
	if pad := int(n) - len(data); pad > 0 {
		a.connWU = cc.recvWin.release(pad)
		a.streamID, a.streamWU = cs.id, cs.recv.release(pad)
	}
	cs.gotLen += int64(len(data))
	cc.sampleLocked(cs, a)
	if cs.wantLen >= 0 && cs.gotLen > cs.wantLen {
		a.connWU += cc.recvWin.release(len(data))
		cc.abortStreamLocked(cs, cc.streamErr(cs, ErrCodeProtocol, "response body exceeds content-length %d", cs.wantLen), ErrCodeProtocol, true, a)
		return
	}
	if len(data) > 0 {
		if cs.readErr != nil {
			// Nobody will read it: give the credit straight back.
			a.connWU += cc.recvWin.release(len(data))
		} else {
			cs.rbuf.Write(data)
			signal(cs.wake)
			a.connWU += cc.feedWaitingLocked(cs)
		}
	}
	if f.StreamEnded() {
		cc.endRecvLocked(cs, a)
	}
}

func (cc *ClientConn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	var a actions
	cc.mu.Lock()
	err := cc.windowUpdateLocked(f, &a)
	cc.mu.Unlock()
	cc.run(&a)
	return err
}

func (cc *ClientConn) windowUpdateLocked(f *http2.WindowUpdateFrame, a *actions) error {
	if f.StreamID == 0 {
		if !cc.sendWin.add(int64(f.Increment)) {
			return ConnectionError{Code: ErrCodeFlowControl, Reason: "WINDOW_UPDATE overflows the connection window"}
		}
		for _, cs := range cc.streams {
			signal(cs.sendable)
		}
		return nil
	}
	cs, idle := cc.streamLocked(f.StreamID)
	switch {
	case cs == nil && idle:
		return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("WINDOW_UPDATE on idle stream %d", f.StreamID)}
	case cs == nil:
		return nil
	case !cs.send.add(int64(f.Increment)):
		cc.abortStreamLocked(cs, cc.streamErr(cs, ErrCodeFlowControl, "WINDOW_UPDATE overflows the stream window"), ErrCodeFlowControl, true, a)
	default:
		signal(cs.sendable)
	}
	return nil
}

func (cc *ClientConn) onRSTStream(f *http2.RSTStreamFrame) error {
	var a actions
	cc.mu.Lock()
	cs, idle := cc.streamLocked(f.StreamID)
	if cs == nil {
		cc.mu.Unlock()
		if idle {
			return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("RST_STREAM on idle stream %d", f.StreamID)}
		}
		return nil
	}
	code := ErrCode(f.ErrCode)
	serr := StreamError{StreamID: f.StreamID, Code: code, Remote: true}
	cs.peerReset = true
	switch {
	case cs.recvEnd && (code == ErrCodeNo || code == ErrCodeCancel):
		// §8.1: a server may answer before reading the whole request and
		// then reset the upload with NO_ERROR; the complete response stands.
		cs.writeErr = serr
		signal(cs.sendable)
		if cs.reqBody != nil {
			a.closeReq, cs.reqBody = cs.reqBody, nil
		}
		cc.closeStreamLocked(cs, &a)
	case code == ErrCodeRefusedStream:
		// §8.7: the peer did no processing of a refused stream.
		cc.failStreamLocked(cs, notProcessed(serr), &a)
	default:
		// Any other code, before the response or during it, leaves the
		// stream's fate unknown: a server resets with CANCEL, INTERNAL_ERROR
		// or ENHANCE_YOUR_CALM after its application has seen the request,
		// so it is never sent again (as net/http does not). Only a failed
		// connection (stream.failureLocked) may say the silence was not the
		// request's doing.
		cc.failStreamLocked(cs, serr, &a)
	}
	cc.mu.Unlock()
	cc.run(&a)
	cc.noteReset(f.StreamID, code, false)
	return nil
}

func (cc *ClientConn) onGoAway(f *http2.GoAwayFrame) error {
	ga := GoAwayError{LastStreamID: f.LastStreamID, Code: ErrCode(f.ErrCode), DebugData: string(f.DebugData())}
	cc.noteGoAway(ga)
	var a actions
	cc.mu.Lock()
	if cc.goAway == nil || ga.LastStreamID < cc.goAway.LastStreamID {
		cc.goAway = &ga
	}
	if cc.err == nil || cc.err == ErrShutdown {
		cc.err = ga
	}
	cc.slots.failAll()
	// §6.8: streams above the last id were not processed; those at or
	// below it may still complete.
	unprocessed := notProcessed(ga)
	for id, cs := range cc.streams {
		if id > ga.LastStreamID {
			cc.abortStreamLocked(cs, unprocessed, 0, false, &a)
		}
	}
	if cc.slots.active == 0 {
		a.closeConn = ga
	}
	a.changed = true
	cc.mu.Unlock()
	cc.run(&a)
	return nil
}
