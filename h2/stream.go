package h2

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/retry"
)

// stream is one request/response exchange. Fields below mu-guarded are
// guarded by cc.mu; the rest are set before the stream is shared and then
// only read.
//
// State (RFC 9113 §5.1) is kept as two half-close flags plus closed: a
// stream is open until both sides sent END_STREAM or one side reset it;
// closed streams are removed from cc.streams and free their slot, though the
// application may still be reading buffered body bytes.
type stream struct {
	cc        *ClientConn
	req       *http.Request
	trace     *httptrace.ClientTrace
	isHead    bool
	addedGzip bool
	// wake (cap 1) is signalled when resp or respErr is set, when the
	// request body's upload ends, and when body bytes, EOF or an error
	// arrive. One goroutine at a time waits on it
	// (RoundTrip for the response, then the body's reader), and it checks
	// the stream's state under cc.mu before each wait, so a signal is
	// never lost and a stale one only costs a recheck.
	wake     chan struct{}
	sendable chan struct{} // cap 1: send window grew or writing must stop; nil without a body
	stopCtx  func() bool   // unregisters the request-context hook; may be nil
	body     responseBody
	num1xx   int // informational responses so far; owned by the reader goroutine

	// wroteReq, made for a body written by its own goroutine, is closed
	// once that goroutine has fired WroteRequest.
	wroteReq chan struct{}
	// connWriteErr is the body writer's own: a write to the connection
	// that failed, for the writer to close the connection with once it
	// has reported the failure.
	connWriteErr error
	// probe is the body writer's too: the read past a body's declared
	// length that checks it ends there, kept here so that it costs no
	// allocation of its own.
	probe [1]byte

	// respStore and hvals back the final response and its header values,
	// so that a response costs no allocations of its own; written once by
	// the reader goroutine before the response is published.
	respStore http.Response
	hvals     [8]string

	// id is assigned under cc.mu as the stream opens, before any other
	// goroutine can see the stream, and never changes; so is framesAtOpen,
	// cc.framesRead at that moment.
	id           uint32
	framesAtOpen uint64

	// mu-guarded:
	got100        bool // a 100 (Continue) arrived
	uploadDropped bool // the body will not be sent: the final response came before a 100
	wroteHdrs     bool // request HEADERS handed to the writer
	sentEnd       bool // we sent END_STREAM
	recvEnd       bool // the peer sent END_STREAM
	peerReset     bool // the peer sent RST_STREAM
	closed        bool // removed from cc.streams
	gotFinal      bool // final (non-1xx) response headers received
	resp          *http.Response
	respErr       error
	readErr       error       // after the buffer drains: io.EOF or why the body failed
	trailers      http.Header // received trailers, moved to resp.Trailer at EOF
	writeErr      error       // stops the request body upload
	bodyClosed    bool        // response body closed by the application
	reqBody       io.ReadCloser
	rbuf          dataBuffer // received, unread body bytes
	send          sendWindow
	recv          recvWindow
	waitAt        int   // 1 + index in cc.waiting while a goroutine waits on the stream, else 0
	wantLen       int64 // response content-length, -1 if unknown
	gotLen        int64

	// mu-guarded: wphase is where the body writer is (see writerPhase);
	// endBeforeFinal says our END_STREAM was under way when the final
	// response arrived.
	wphase         writerPhase
	endBeforeFinal bool
}

// signal wakes the goroutine waiting on ch, if any, without blocking.
func signal(ch chan struct{}) {
	if ch == nil {
		return
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// failureLocked marks a connection-level err with how far this stream got.
func (cs *stream) failureLocked(err error) error {
	switch {
	case !cs.wroteHdrs, isHTTP1Server(err):
		return notProcessed(err)
	case !cs.gotFinal:
		var ga *closedAfterGoAwayError
		if errors.As(err, &ga) {
			return retry.MarkShutdown(err)
		}
		return retry.Mark(err, retry.NoResponse)
	}
	return err
}

// actions are what a state change under cc.mu requires once the lock is
// released: frames to write, hooks to call, a connection to close.
type actions struct {
	rstID    uint32
	rstCode  ErrCode
	ping     bool
	pingData [8]byte
	connWU   uint32
	streamID uint32
	streamWU uint32
	changed  bool
	closeReq io.Closer
	// closeConn, when set, closes the connection with this error.
	closeConn error
}

// run performs a's work with no lock held.
func (cc *ClientConn) run(a *actions) {
	if a.rstID != 0 || a.ping || a.connWU != 0 || a.streamWU != 0 {
		w := &cc.w
		w.begin()
		if a.rstID != 0 {
			w.noteLocked(w.fr.WriteRSTStream(a.rstID, http2.ErrCode(a.rstCode)))
			if w.trace != nil {
				w.traceWriteLocked(http2.FrameRSTStream, 0, a.rstID, 4, codeSummary(a.rstCode))
			}
		}
		if a.ping {
			w.noteLocked(w.fr.WritePing(false, a.pingData))
			if w.trace != nil {
				w.traceWriteLocked(http2.FramePing, 0, 0, 8, pingSummary(a.pingData))
			}
		}
		if a.streamWU != 0 {
			w.noteLocked(w.fr.WriteWindowUpdate(a.streamID, a.streamWU))
			if w.trace != nil {
				w.traceWriteLocked(http2.FrameWindowUpdate, 0, a.streamID, 4, windowSummary(a.streamWU))
			}
		}
		if a.connWU != 0 {
			w.noteLocked(w.fr.WriteWindowUpdate(0, a.connWU))
			if w.trace != nil {
				w.traceWriteLocked(http2.FrameWindowUpdate, 0, 0, 4, windowSummary(a.connWU))
			}
		}
		if err := w.end(); err != nil {
			cc.closeWithError(writeFailure(err))
		}
		if a.rstID != 0 {
			cc.noteReset(a.rstID, a.rstCode, true)
		}
	}
	if a.closeReq != nil {
		// A request body's Close may block (a pipe whose writer is busy);
		// the stream is already finished, so nothing waits for it.
		go a.closeReq.Close()
	}
	if a.closeConn != nil {
		cc.closeWithError(a.closeConn)
	}
	if a.changed {
		cc.changed()
	}
}

// abortStreamLocked ends cs abnormally with err: RoundTrip and body reads
// fail with it (unless the response was already complete), body bytes not
// yet read are dropped, the upload stops, and the stream closes. With
// sendRST it resets the stream with code if it is still open.
func (cc *ClientConn) abortStreamLocked(cs *stream, err error, code ErrCode, sendRST bool, a *actions) {
	cc.endStreamLocked(cs, err, code, sendRST, false, a)
}

// failStreamLocked ends cs with err because the peer reset it or the
// connection ended. Unlike abortStreamLocked, body bytes that already
// arrived stay readable and err comes after them, as a socket delivers
// what it received before a reset: an application streaming a body gets
// everything the server sent.
func (cc *ClientConn) failStreamLocked(cs *stream, err error, a *actions) {
	cc.endStreamLocked(cs, err, 0, false, true, a)
}

func (cc *ClientConn) endStreamLocked(cs *stream, err error, code ErrCode, sendRST, keepBuffered bool, a *actions) {
	if !cs.gotFinal && cs.respErr == nil {
		cs.respErr = err
	}
	if cs.readErr == nil {
		cs.readErr = err
		if !keepBuffered {
			// The body will never be read: its bytes go back to the
			// connection.
			if unread := cs.rbuf.Len(); unread > 0 {
				a.connWU += cc.recvWin.release(unread)
			}
			cs.rbuf.Reset()
		}
	}
	signal(cs.wake)
	if cs.writeErr == nil {
		cs.writeErr = err
	}
	signal(cs.sendable)
	if cs.reqBody != nil {
		a.closeReq = cs.reqBody
		cs.reqBody = nil
	}
	if cs.closed {
		return
	}
	if sendRST && !cc.closed {
		a.rstID, a.rstCode = cs.id, code
		cc.countResetLocked(cs, a)
	}
	cc.closeStreamLocked(cs, a)
}

// closeStreamLocked removes cs from the open streams, freeing its slot.
func (cc *ClientConn) closeStreamLocked(cs *stream, a *actions) {
	cs.closed = true
	delete(cc.streams, cs.id)
	cc.ended.add(cs.id, closeKindOf(cs))
	cc.slots.active--
	cc.slots.grant()
	cc.noteIdleLocked()
	a.changed = true
	if cc.slots.active == 0 {
		if cc.drained != nil {
			select {
			case <-cc.drained:
			default:
				close(cc.drained)
			}
		}
		if cc.goAway != nil && !cc.closed {
			a.closeConn = *cc.goAway
		} else if cc.err == errOneRequest && !cc.closed {
			a.closeConn = errOneRequest
		}
	}
}

// endRecvLocked handles END_STREAM from the peer.
func (cc *ClientConn) endRecvLocked(cs *stream, a *actions) {
	cs.recvEnd = true
	if cs.wantLen >= 0 && cs.gotLen != cs.wantLen {
		cc.abortStreamLocked(cs, cc.streamErr(cs, ErrCodeProtocol, "response body has %d bytes, content-length is %d", cs.gotLen, cs.wantLen), ErrCodeProtocol, true, a)
		return
	}
	if cs.readErr == nil {
		cs.readErr = io.EOF
	}
	signal(cs.wake)
	if cs.uploadDropped && !cs.closed {
		// The response is complete and our half will never end on its
		// own: the body it did not want is not coming.
		cc.abortStreamLocked(cs, errResponseComplete, ErrCodeCancel, true, a)
		return
	}
	if cs.sentEnd && !cs.closed {
		cc.closeStreamLocked(cs, a)
	}
}

// endSendLocked records that our END_STREAM is being written.
func (cc *ClientConn) endSendLocked(cs *stream, a *actions) {
	cs.sentEnd = true
	if cs.recvEnd && !cs.closed {
		cc.closeStreamLocked(cs, a)
	}
}

// abortStream is abortStreamLocked for callers without the lock.
func (cc *ClientConn) abortStream(cs *stream, err error, code ErrCode, sendRST bool) {
	var a actions
	cc.mu.Lock()
	cc.abortStreamLocked(cs, err, code, sendRST, &a)
	cc.mu.Unlock()
	cc.run(&a)
}
