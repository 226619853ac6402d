package h1

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"

	"github.com/plexhttp/plex/internal/timeout"
)

// chunkBufSize is how much of a streamed request body of unknown length
// goes into one chunk.
const chunkBufSize = 32 << 10

// writeBody copies the request body to the connection with the framing pl
// chose. bodyErr reports a body that failed to read or did not match its
// ContentLength; netErr a failed write. flushEach sends every piece as soon
// as the body yields it, for bodies that trickle (pipes, streams).
func (c *Conn) writeBody(req *http.Request, pl *plan, flushEach bool) (bodyErr, netErr error) {
	if pl.chunked {
		return c.writeChunked(req, pl, flushEach)
	}
	if !flushEach {
		return c.writeBuffered(req, pl)
	}
	// A streamed body goes past bw, straight to the connection in large
	// writes (see bulkWriter): a 1 MiB body in 4 KiB writes would cost 256
	// syscalls and reach the server in small segments.
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	return c.writeDirect(req, pl)
}

// writeBuffered copies a small body (at most inlineBodyMax) through bw,
// after the header: one write when it fits, bw-sized writes otherwise, so
// that each write is small enough for WriteByteTimeout to see a stall as
// soon as it starts.
func (c *Conn) writeBuffered(req *http.Request, pl *plan) (bodyErr, netErr error) {
	bw := c.bw
	var copied int64
	for copied < pl.length {
		if bw.Available() == 0 {
			if err := bw.Flush(); err != nil {
				return nil, err
			}
		}
		buf := bw.AvailableBuffer()[:min(int64(bw.Available()), pl.length-copied)]
		n, err := c.readBody(req.Body, buf)
		copied += int64(n)
		bw.Write(buf[:n])
		if berr := bodyReadErr(err, copied, pl.length); berr != nil {
			return berr, nil
		}
	}
	return c.checkBodyEnd(req.Body, pl.length), nil
}

// checkBodyEnd reads one more byte of a body that yielded its declared
// length: a body longer than declared would be cut short on the wire, so
// it is reported, as net/http does, rather than sent truncated silently.
func (c *Conn) checkBodyEnd(r io.Reader, length int64) error {
	for {
		n, err := c.readBody(r, c.one[:])
		if n > 0 {
			return fmt.Errorf("h1: request body longer than its ContentLength %d", length)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("h1: reading request body: %w", err)
		}
	}
}

// bodyReadErr is the error of a body Read that returned err after copied
// of the declared length bytes: nil while the body is fine.
func bodyReadErr(err error, copied, length int64) error {
	switch {
	case err == io.EOF && copied < length:
		return fmt.Errorf("h1: request body ended after %d of %d bytes (ContentLength)", copied, length)
	case err != nil && err != io.EOF:
		return fmt.Errorf("h1: reading request body: %w", err)
	}
	return nil
}

func (c *Conn) writeChunked(req *http.Request, pl *plan, flushEach bool) (bodyErr, netErr error) {
	bw := c.bw
	bp := getBodyBuf(chunkBufSize)
	defer putBodyBuf(bp)
	buf := *bp
	for {
		n, err := c.readBody(req.Body, buf)
		if n > 0 {
			bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(n), 16))
			bw.WriteString("\r\n")
			bw.Write(buf[:n])
			if _, werr := bw.WriteString("\r\n"); werr != nil {
				return nil, werr
			}
			if flushEach {
				if werr := bw.Flush(); werr != nil {
					return nil, werr
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("h1: reading request body: %w", err), nil
		}
	}
	bw.WriteString("0\r\n")
	if pl.trailer {
		// Checked again: values (and keys) may be set while the body is
		// written.
		if err := validTrailer(req.Trailer); err != nil {
			return err, nil
		}
		for _, k := range c.sortedKeys(req.Trailer) {
			for _, v := range req.Trailer[k] {
				c.field(k, strings.TrimSpace(v))
			}
		}
	}
	_, err := bw.WriteString("\r\n")
	return nil, err
}

// sendBody writes the request body: small replayable bodies inline, on the
// caller's goroutine (one flush with the header); everything else from a
// goroutine, so the response can be read while the body is still going out.
func (c *Conn) sendBody(req *http.Request, pl *plan, trace *httptrace.ClientTrace) (inlineErr error) {
	if req.GetBody != nil && pl.length > 0 && pl.length <= inlineBodyMax {
		bodyErr, netErr := c.writeBody(req, pl, false)
		if bodyErr == nil && netErr == nil {
			netErr = c.bw.Flush()
		}
		c.wroteRequest(bodyErr, netErr, trace)
		if bodyErr != nil {
			return bodyErr
		}
		return nil
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.writeDone = done
	c.mu.Unlock()
	go c.bodyWriter(req, *pl, trace, done)
	return nil
}

// bodyWriter streams the body; it owns bw until it closes done, or until
// the connection abandons it (see abandonWriter).
func (c *Conn) bodyWriter(req *http.Request, pl plan, trace *httptrace.ClientTrace, done chan struct{}) {
	defer close(done)
	var bodyErr error
	netErr := c.bw.Flush()
	if netErr == nil {
		bodyErr, netErr = c.writeBody(req, &pl, true)
		if bodyErr == nil && netErr == nil {
			netErr = c.bw.Flush()
		}
	}
	if c.writerGone.Load() {
		return // nobody waits for the outcome, and the connection is closed
	}
	c.wroteRequest(bodyErr, netErr, trace)
}

var errWriterGone = errors.New("h1: connection closed while the request body was being read")

// readBody reads from the request body. A body writer whose connection gave
// up on it while it was inside Read drops what Read returned and ends
// without touching the connection again.
func (c *Conn) readBody(r io.Reader, p []byte) (int, error) {
	n, err := r.Read(p)
	if c.writerGone.Load() {
		return 0, errWriterGone
	}
	return n, err
}

// isStall reports whether err is a write that made no progress.
func isStall(err error) bool {
	var t *timeout.Error
	return errors.As(err, &t)
}

// wroteRequest records how writing the request ended and starts the
// response header timer. A body that failed leaves the server waiting for
// bytes that will never come, so the connection is closed to end the
// exchange.
func (c *Conn) wroteRequest(bodyErr, netErr error, trace *httptrace.ClientTrace) {
	c.mu.Lock()
	c.bodyErr = bodyErr
	c.writeErr = netErr
	if bodyErr == nil && netErr == nil {
		c.armHeaderTimerLocked()
	}
	c.mu.Unlock()
	switch {
	case bodyErr != nil:
		c.closeNet(bodyErr)
	case netErr != nil && isStall(netErr):
		// The peer stopped reading: it may never answer either, so the
		// connection is closed rather than left to wait for a response.
		c.closeReqBody()
		c.closeNet(netErr)
	default:
		c.closeReqBody()
	}
	if trace != nil && trace.WroteRequest != nil {
		err := bodyErr
		if err == nil {
			err = netErr
		}
		trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
}
