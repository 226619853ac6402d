package h2

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/plexhttp/plex/internal/retry"
)

// http1Prefix starts every HTTP/1.x status line. A server that speaks only
// HTTP/1.1 takes our cleartext preface ("PRI * HTTP/2.0 ...") for a request
// it cannot serve and answers with one; a server speaking HTTP/2 starts
// with a SETTINGS frame (§3.4), whose 9-byte header cannot begin so (no
// frame type is 'T').
var http1Prefix = []byte("HTTP/1.")

// http1ServerError says that the peer of a prior-knowledge connection
// speaks HTTP/1.1. It names the server and the status line it sent.
type http1ServerError struct {
	addr   string
	status string
}

func (e *http1ServerError) Error() string {
	return fmt.Sprintf("h2: server at %s speaks HTTP/1.1, not HTTP/2 with prior knowledge (it answered the connection preface with %q)", e.addr, e.status)
}

// checkH1Reply looks at the first bytes of a cleartext (prior-knowledge)
// connection before the Framer does: read as a frame header, an HTTP/1.x
// status line gives a length of megabytes and a FRAME_SIZE_ERROR that hides
// what happened. It returns nil when the bytes are anything else, or when
// reading fails; the Framer then reports that.
func (cc *ClientConn) checkH1Reply() error {
	if cc.tlsState != nil {
		return nil
	}
	b := cc.rd.peek(len(http1Prefix))
	if !bytes.HasPrefix(b, http1Prefix) {
		return nil
	}
	status := cc.rd.buffered()
	if i := bytes.IndexAny(status, "\r\n"); i >= 0 {
		status = status[:i]
	}
	const maxStatus = 80
	if len(status) > maxStatus {
		status = status[:maxStatus]
	}
	// The server never saw a request of ours: it read the preface as one
	// it could not serve. So nothing was processed, and trying again
	// cannot help either.
	return retry.Mark(&http1ServerError{addr: cc.nc.RemoteAddr().String(), status: string(status)}, retry.Invalid)
}

// isHTTP1Server reports whether err says the peer speaks HTTP/1.1.
func isHTTP1Server(err error) bool {
	var he *http1ServerError
	return errors.As(err, &he)
}

// peek returns at least n buffered bytes without consuming them, reading
// as needed; fewer once reading fails (the error stays for Read). Only the
// reader goroutine calls it, before its first frame, when n fits the small
// buffer.
func (c *connReader) peek(n int) []byte {
	if c.buf == nil {
		c.buf = c.small
	}
	for c.end-c.start < n && c.err == nil {
		if len(c.buf)-c.start < n {
			copy(c.buf, c.buf[c.start:c.end])
			c.end -= c.start
			c.start = 0
		}
		c.end += c.readFrom(c.buf[c.end:])
	}
	return c.buf[c.start:c.end]
}

// buffered returns the bytes read but not yet consumed.
func (c *connReader) buffered() []byte { return c.buf[c.start:c.end] }
