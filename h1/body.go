package h1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

var errBodyClosed = errors.New("h1: read on closed response body")

// body is a response body. It reads straight from the connection's
// bufio.Reader; when it reaches EOF, fails, or is closed, it tells the
// connection the exchange is over (which frees the slot).
//
// Read is called by one goroutine at a time; Close may come from any
// goroutine. mu guards reading, closed, done and err and is never held
// across I/O or a call into the connection.
type body struct {
	c    *Conn // nil for a body built by readResponse
	br   *bufio.Reader
	resp *http.Response // receives the trailers
	kind bodyKind
	left int64 // bodyLength: bytes still to come
	read int64 // bodyLength: bytes read so far, for error messages
	cr   chunkedReader
	// budget is the header bytes left for the trailer section.
	budget int64

	mu      sync.Mutex
	reading bool  // a Read is in progress
	closed  bool  // Close was called
	done    bool  // the exchange was reported over to c
	err     error // sticky result of the last Read: io.EOF or a failure
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, errBodyClosed
	}
	if b.err != nil {
		err := b.err
		b.mu.Unlock()
		return 0, err
	}
	b.reading = true
	b.mu.Unlock()

	n, err := b.readRaw(p)
	if err != nil && err != io.EOF && b.c != nil {
		err = asBodyTimeout(b.c.ctxWrap("reading response body", err))
	}

	b.mu.Lock()
	b.reading = false
	closed := b.closed
	if err != nil {
		b.err = err
	}
	finish := (err != nil || closed) && !b.done
	if finish {
		b.done = true
	}
	b.mu.Unlock()
	if finish {
		b.finish(err == io.EOF && !closed)
	}
	if closed && err == nil {
		err = errBodyClosed
	}
	return n, err
}

func (b *body) readRaw(p []byte) (int, error) {
	switch b.kind {
	case bodyLength:
		if b.left == 0 {
			return 0, io.EOF
		}
		if int64(len(p)) > b.left {
			p = p[:b.left]
		}
		n, err := b.br.Read(p)
		b.left -= int64(n)
		b.read += int64(n)
		if b.left == 0 {
			return n, io.EOF
		}
		if err == io.EOF {
			err = fmt.Errorf("h1: response body ended after %d of %d bytes: %w",
				b.read, b.read+b.left, io.ErrUnexpectedEOF)
		} else if err != nil {
			err = readErr("reading response body", err)
		}
		return n, err
	case bodyChunked:
		n, err := b.cr.Read(p)
		if err == io.EOF && b.cr.trailer != nil {
			mergeTrailer(b.resp, b.cr.trailer)
		}
		return n, err
	case bodyUntilClose:
		n, err := b.br.Read(p)
		if err != nil && err != io.EOF {
			err = readErr("reading response body", err)
		}
		return n, err
	}
	return 0, io.EOF
}

// WriteTo copies the rest of the body to w. io.Copy prefers it to Read,
// so a body copied to a file, or drained into io.Discard (whose ReadFrom
// reads 8 KiB at a time), is read from the connection in large reads into
// a pooled buffer, held only for the copy. A failing w leaves the body
// unfinished, for Close to end, as after any Read.
func (b *body) WriteTo(w io.Writer) (int64, error) {
	size := bulkBufSize
	if b.c == nil || b.c.peek.tls || b.c.opts.TLS != nil {
		// A TLS read returns at most one 16 KiB record.
		size = chunkBufSize
	}
	bp := getBodyBuf(size)
	defer putBodyBuf(bp)
	buf := (*bp)[:size]
	var total int64
	for {
		n, err := b.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr == nil && m < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Close ends the exchange. A body not yet at EOF is drained if what is left
// is small and arrives quickly, so the connection can be reused; otherwise
// the connection is closed.
func (b *body) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	if b.reading {
		// The Read in progress finishes the exchange once the closed
		// connection wakes it.
		b.mu.Unlock()
		if b.c != nil {
			b.c.closeNet(errBodyClosedEarly)
		}
		return nil
	}
	if b.done {
		b.mu.Unlock()
		return nil
	}
	b.done = true
	b.mu.Unlock()
	b.finish(b.err == io.EOF || b.drain())
	return nil
}

var errBodyClosedEarly = errors.New("h1: response body closed before EOF")

// drain reads what is left of the body within drainMax bytes and
// drainTimeout, reporting whether it reached EOF.
func (b *body) drain() bool {
	if b.c == nil || b.err != nil {
		return false
	}
	switch b.kind {
	case bodyLength:
		if b.left > drainMax {
			return false
		}
		if int64(b.br.Buffered()) >= b.left {
			_, err := b.br.Discard(int(b.left))
			return err == nil
		}
	case bodyChunked:
	default:
		return false
	}
	b.c.rd.disarm() // the drain's own, shorter bound applies
	nc := b.c.nc
	if nc.SetReadDeadline(time.Now().Add(drainTimeout)) != nil {
		return false
	}
	var scratch [512]byte
	total := 0
	for total <= drainMax {
		n, err := b.readRaw(scratch[:])
		total += n
		if err == io.EOF {
			return nc.SetReadDeadline(time.Time{}) == nil
		}
		if err != nil {
			return false
		}
	}
	return false
}

// finish reports the end of the exchange to the connection, at most once.
func (b *body) finish(reusable bool) {
	if b.c != nil {
		b.c.exchangeDone(reusable)
	}
}

// mergeTrailer stores received trailer fields in resp.Trailer.
func mergeTrailer(resp *http.Response, t http.Header) {
	if resp.Trailer == nil {
		resp.Trailer = t
		return
	}
	for k, v := range t {
		resp.Trailer[k] = v
	}
}
