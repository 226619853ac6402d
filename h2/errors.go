package h2

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/retry"
)

// ErrCode is an HTTP/2 error code (RFC 9113 §7), as carried by RST_STREAM and
// GOAWAY frames.
type ErrCode uint32

// The error codes defined by RFC 9113 §7.
const (
	ErrCodeNo                 ErrCode = 0x0
	ErrCodeProtocol           ErrCode = 0x1
	ErrCodeInternal           ErrCode = 0x2
	ErrCodeFlowControl        ErrCode = 0x3
	ErrCodeSettingsTimeout    ErrCode = 0x4
	ErrCodeStreamClosed       ErrCode = 0x5
	ErrCodeFrameSize          ErrCode = 0x6
	ErrCodeRefusedStream      ErrCode = 0x7
	ErrCodeCancel             ErrCode = 0x8
	ErrCodeCompression        ErrCode = 0x9
	ErrCodeConnect            ErrCode = 0xa
	ErrCodeEnhanceYourCalm    ErrCode = 0xb
	ErrCodeInadequateSecurity ErrCode = 0xc
	ErrCodeHTTP11Required     ErrCode = 0xd
)

var errCodeNames = [...]string{
	ErrCodeNo:                 "NO_ERROR",
	ErrCodeProtocol:           "PROTOCOL_ERROR",
	ErrCodeInternal:           "INTERNAL_ERROR",
	ErrCodeFlowControl:        "FLOW_CONTROL_ERROR",
	ErrCodeSettingsTimeout:    "SETTINGS_TIMEOUT",
	ErrCodeStreamClosed:       "STREAM_CLOSED",
	ErrCodeFrameSize:          "FRAME_SIZE_ERROR",
	ErrCodeRefusedStream:      "REFUSED_STREAM",
	ErrCodeCancel:             "CANCEL",
	ErrCodeCompression:        "COMPRESSION_ERROR",
	ErrCodeConnect:            "CONNECT_ERROR",
	ErrCodeEnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	ErrCodeInadequateSecurity: "INADEQUATE_SECURITY",
	ErrCodeHTTP11Required:     "HTTP_1_1_REQUIRED",
}

// String returns the RFC 9113 name of the code, or "ERR_UNKNOWN_0x1f" for a
// code the RFC does not define.
func (c ErrCode) String() string {
	if int(c) < len(errCodeNames) {
		return errCodeNames[c]
	}
	return fmt.Sprintf("ERR_UNKNOWN_%#x", uint32(c))
}

// StreamError reports that one stream was reset, by the peer (Remote) or by
// us because the peer broke a rule for that stream. The connection lives on.
//
// Its text is x/net's ("stream error: stream ID 5; CANCEL; received from
// peer" for a reset the peer sent), and errors.As also fills an x/net
// http2.StreamError from it, so code written for net/http's HTTP/2 errors
// (connect-go's mapping of reset codes to RPC codes) reads it alike.
type StreamError struct {
	StreamID uint32
	Code     ErrCode
	Remote   bool  // the peer sent RST_STREAM
	Cause    error // what we detected, when we reset the stream; may be nil
}

// errFromPeer stands as the cause of a reset the peer sent, as in x/net.
var errFromPeer = errors.New("received from peer")

// cause is what x/net would give as StreamError.Cause.
func (e StreamError) cause() error {
	if e.Remote {
		return errFromPeer
	}
	return e.Cause
}

func (e StreamError) Error() string {
	if c := e.cause(); c != nil {
		return fmt.Sprintf("stream error: stream ID %d; %v; %v", e.StreamID, e.Code, c)
	}
	return fmt.Sprintf("stream error: stream ID %d; %v", e.StreamID, e.Code)
}

// Unwrap returns the cause of a reset we sent.
func (e StreamError) Unwrap() error { return e.Cause }

// As fills target when it points to an x/net http2.StreamError, for
// errors.As.
func (e StreamError) As(target any) bool {
	t, ok := target.(*http2.StreamError)
	if ok {
		*t = http2.StreamError{StreamID: e.StreamID, Code: http2.ErrCode(e.Code), Cause: e.cause()}
	}
	return ok
}

// ConnectionError reports that the connection failed with an HTTP/2 error
// code: we detected a violation by the peer and sent GOAWAY (Remote false),
// or the peer sent GOAWAY with an error code and closed the connection
// (Remote true; Reason is then the GOAWAY's debug data). errors.As also
// fills an x/net http2.ConnectionError (the code) from it.
type ConnectionError struct {
	Code   ErrCode
	Reason string
	Remote bool
}

func (e ConnectionError) Error() string {
	if e.Remote {
		// As x/net says it, for programs that look for that text to
		// spot a lost connection.
		return fmt.Sprintf("http2: server sent GOAWAY and closed the connection; ErrCode=%v, debug=%q", e.Code, e.Reason)
	}
	if e.Reason == "" {
		return fmt.Sprintf("connection error: %v", e.Code)
	}
	return fmt.Sprintf("connection error: %v: %s", e.Code, e.Reason)
}

// As fills target when it points to an x/net http2.ConnectionError, for
// errors.As.
func (e ConnectionError) As(target any) bool {
	t, ok := target.(*http2.ConnectionError)
	if ok {
		*t = http2.ConnectionError(e.Code)
	}
	return ok
}

// GoAwayError reports the GOAWAY the peer sent: streams above LastStreamID
// were not processed and may be retried elsewhere. errors.As also fills an
// x/net http2.GoAwayError from it.
type GoAwayError struct {
	LastStreamID uint32
	Code         ErrCode
	DebugData    string
}

func (e GoAwayError) Error() string {
	return fmt.Sprintf("http2: server sent GOAWAY; LastStreamID=%v, ErrCode=%v, debug=%q", e.LastStreamID, e.Code, e.DebugData)
}

// As fills target when it points to an x/net http2.GoAwayError, for
// errors.As.
func (e GoAwayError) As(target any) bool {
	t, ok := target.(*http2.GoAwayError)
	if ok {
		*t = http2.GoAwayError{LastStreamID: e.LastStreamID, ErrCode: http2.ErrCode(e.Code), DebugData: e.DebugData}
	}
	return ok
}

// closedAfterGoAwayError: the peer announced a graceful shutdown (GOAWAY
// with NO_ERROR) and then closed before answering every stream it had
// promised to process. It matches the GOAWAY with errors.As, so callers can
// tell a shutdown from a crash, and io.ErrUnexpectedEOF with errors.Is. Its
// text is x/net's for the same event.
type closedAfterGoAwayError struct{ ga GoAwayError }

func (e *closedAfterGoAwayError) Error() string {
	return fmt.Sprintf("http2: server sent GOAWAY and closed the connection; LastStreamID=%v, ErrCode=%v, debug=%q",
		e.ga.LastStreamID, e.ga.Code, e.ga.DebugData)
}

func (e *closedAfterGoAwayError) Unwrap() []error { return []error{e.ga, io.ErrUnexpectedEOF} }

// ErrClosed is returned for requests on, or interrupted by, a ClientConn that
// was closed with Close.
var ErrClosed = errors.New("h2: connection closed")

// errResponseComplete ends an upload the server no longer waits for: its
// complete response, without a body, arrived first.
var errResponseComplete = errors.New("h2: response complete before the request body was sent")

// ErrShutdown is what Err returns once Shutdown started.
var ErrShutdown = errors.New("h2: connection shutting down")

// fromFramerError translates an error returned by the Framer's ReadFrame. It
// reports (connection error, nil) or (nil, stream error) for HTTP/2 errors and
// (nil, nil) when err is an I/O error to be handled as such.
func fromFramerError(err error, detail error) (*ConnectionError, *StreamError) {
	var ce http2.ConnectionError
	if errors.As(err, &ce) {
		reason := "malformed frame"
		if detail != nil {
			reason = detail.Error()
		}
		return &ConnectionError{Code: ErrCode(ce), Reason: reason}, nil
	}
	var se http2.StreamError
	if errors.As(err, &se) {
		return nil, &StreamError{StreamID: se.StreamID, Code: ErrCode(se.Code), Cause: se.Cause}
	}
	if errors.Is(err, http2.ErrFrameTooLarge) {
		return &ConnectionError{Code: ErrCodeFrameSize, Reason: "frame larger than our SETTINGS_MAX_FRAME_SIZE"}, nil
	}
	return nil, nil
}

// notProcessed marks err, a reason the request was provably not processed,
// as refused when the peer turned it away (REFUSED_STREAM, or a GOAWAY with
// an error code) and as plainly unprocessed otherwise, so the Client can
// pace its resends without knowing HTTP/2's errors.
func notProcessed(err error) error {
	var se StreamError
	if errors.As(err, &se) && se.Code == ErrCodeRefusedStream {
		return retry.MarkRefused(err)
	}
	var ga GoAwayError
	if errors.As(err, &ga) && ga.Code != ErrCodeNo {
		return retry.MarkRefused(err)
	}
	return retry.Mark(err, retry.Unprocessed)
}
