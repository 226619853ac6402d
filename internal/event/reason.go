package event

import (
	"errors"
	"io"
	"strconv"
	"syscall"
)

// CloseReason says why a connection was closed. The set is small and fixed
// so that it can label a metric.
type CloseReason uint8

const (
	// CloseError: the connection broke (a read or write failed, a protocol
	// error, a failed health check).
	CloseError CloseReason = iota
	// CloseIdleTimeout: idle for IdleConnTimeout.
	CloseIdleTimeout
	// CloseIdleLimit: idle above MaxIdleConns or MaxIdleConnsPerHost.
	CloseIdleLimit
	// ClosePeerGoAway: the HTTP/2 peer sent GOAWAY (ConnClosed.Code has its
	// code) and the last stream ended.
	ClosePeerGoAway
	// ClosePeerClose: the server closed the connection or asked to
	// (HTTP/1.1 Connection: close).
	ClosePeerClose
	// CloseClient: Close or CloseIdleConnections, or a response body
	// closed before its end.
	CloseClient
	// CloseProtocolSwitch: after 101 Switching Protocols the connection
	// left the pool; it belongs to the response's holder.
	CloseProtocolSwitch
	// CloseKeepAlivesOff: one exchange only, by WithDisableKeepAlives or
	// the request's Connection: close.
	CloseKeepAlivesOff
	// CloseMaxAge: the connection reached its maximum age (WithMaxConnAge);
	// it took no new requests and closed once those under way ended.
	CloseMaxAge
	// CloseMaxRequests: the connection was given its maximum number of
	// requests (WithMaxConnRequests) and closed once they ended.
	CloseMaxRequests

	// NumCloseReasons is the number of close reasons, for arrays indexed
	// by CloseReason.
	NumCloseReasons = iota
)

var reasonNames = [NumCloseReasons]string{
	CloseError:          "error",
	CloseIdleTimeout:    "idle_timeout",
	CloseIdleLimit:      "idle_limit",
	ClosePeerGoAway:     "peer_goaway",
	ClosePeerClose:      "peer_close",
	CloseClient:         "client_close",
	CloseProtocolSwitch: "protocol_switch",
	CloseKeepAlivesOff:  "keepalives_off",
	CloseMaxAge:         "max_age",
	CloseMaxRequests:    "max_requests",
}

// String gives the reason as a short snake_case word, fit for a metric label.
func (r CloseReason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "CloseReason(" + strconv.Itoa(int(r)) + ")"
}

// Reasoner is implemented by connections that can tell why they stopped
// taking requests, once Err is non-nil. code is the GOAWAY error code for
// ClosePeerGoAway.
type Reasoner interface {
	CloseReason() (r CloseReason, code uint32)
}

// PeerEnded reports whether err, a connection's read or write failure,
// means the peer ended the connection: an orderly close (EOF, a stream cut
// short by it) or an abortive one (a reset, which a server sends when it
// closes with our request unread in its buffer, or a broken pipe). Both
// protocols label such a close ClosePeerClose.
func PeerEnded(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
