package h1

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// bulkBufSize bounds one write of a request body of known length to a
// cleartext connection, and the buffer a body without WriteTo is read
// into. The buffer is pooled and held only while a body is being written,
// so an idle connection holds none.
const bulkBufSize = 256 << 10

// tlsPieceSize bounds one write to a TLS connection. crypto/tls sends a
// record per 16 KiB whatever the size of the write, so larger writes save
// nothing there; and a TLS write that hits the write deadline breaks the
// connection, so each write must stay small enough that WriteByteTimeout
// measures progress as it does for small writes.
const tlsPieceSize = chunkBufSize

var (
	bulkBufs  = sync.Pool{New: func() any { b := make([]byte, bulkBufSize); return &b }}
	chunkBufs = sync.Pool{New: func() any { b := make([]byte, chunkBufSize); return &b }}
)

// getBodyBuf returns a pooled buffer of at least n bytes (n is
// chunkBufSize or bulkBufSize).
func getBodyBuf(n int) *[]byte {
	if n > chunkBufSize {
		return bulkBufs.Get().(*[]byte)
	}
	return chunkBufs.Get().(*[]byte)
}

func putBodyBuf(b *[]byte) {
	if len(*b) > chunkBufSize {
		bulkBufs.Put(b)
	} else {
		chunkBufs.Put(b)
	}
}

var errBodyTooLong = errors.New("h1: request body longer than its ContentLength")

// bulkWriter takes a request body of known length, after the header, and
// writes it to the connection in pieces of up to piece bytes: a body that
// implements io.WriterTo (bytes.Reader, bytes.Buffer, strings.Reader, ...)
// writes straight from its own memory, without a copy; any other body is
// read through ReadFrom into a pooled buffer. It never writes more than
// the declared length and records why it stopped, so that writeDirect can
// tell a failed body from a failed connection.
//
// It belongs to whoever owns the connection's write side.
type bulkWriter struct {
	c       *Conn
	left    int64 // declared bytes not yet written
	piece   int
	netErr  error // a write to the connection failed
	readErr error // the body's Read failed (ReadFrom)
	tooLong bool  // the body had more than the declared length
}

func (w *bulkWriter) Write(p []byte) (int, error) {
	if w.c.writerGone.Load() {
		return 0, errWriterGone
	}
	if w.netErr != nil {
		return 0, w.netErr
	}
	over := int64(len(p)) > w.left
	if over {
		p = p[:w.left]
	}
	total := 0
	for len(p) > 0 {
		n, err := w.c.cw.Write(p[:min(len(p), w.piece)])
		total += n
		w.left -= int64(n)
		p = p[n:]
		if err != nil {
			w.netErr = err
			return total, err
		}
	}
	if over {
		w.tooLong = true
		return total, errBodyTooLong
	}
	return total, nil
}

// ReadFrom copies r, a body without WriteTo, through a pooled buffer, to
// its end: the declared length, and then one more read to see that r ends
// there too.
func (w *bulkWriter) ReadFrom(r io.Reader) (int64, error) {
	bp := getBodyBuf(w.piece)
	defer putBodyBuf(bp)
	buf := (*bp)[:w.piece]
	var total int64
	for w.left > 0 {
		n, err := w.c.readBody(r, buf[:min(int64(len(buf)), w.left)])
		total += int64(n)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil // short: writeDirect says so
		}
		if err != nil {
			w.readErr = err
			return total, err
		}
	}
	for {
		n, err := w.c.readBody(r, w.c.one[:])
		if n > 0 {
			w.tooLong = true
			return total, errBodyTooLong
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			w.readErr = err
			return total, err
		}
	}
}

// writeDirect writes a body of known length past bw, which is empty.
func (c *Conn) writeDirect(req *http.Request, pl *plan) (bodyErr, netErr error) {
	w := &c.bulk
	*w = bulkWriter{c: c, left: pl.length, piece: bulkBufSize}
	if c.peek.tls || c.opts.TLS != nil {
		w.piece = tlsPieceSize
	}
	var err error
	if wt, ok := req.Body.(io.WriterTo); ok {
		_, err = wt.WriteTo(w)
	} else {
		_, err = w.ReadFrom(req.Body)
	}
	written := pl.length - w.left
	switch {
	case c.writerGone.Load():
		return errWriterGone, nil
	case w.netErr != nil:
		return nil, w.netErr
	case w.tooLong:
		return fmt.Errorf("h1: request body longer than its ContentLength %d", pl.length), nil
	case w.readErr != nil:
		return fmt.Errorf("h1: reading request body: %w", w.readErr), nil
	case err != nil:
		// WriteTo met an error of the body's own.
		return fmt.Errorf("h1: reading request body: %w", err), nil
	case w.left > 0:
		return fmt.Errorf("h1: request body ended after %d of %d bytes (ContentLength)", written, pl.length), nil
	}
	return nil, nil
}
