package h2

import "io"

// burstBuffer gathers the frames of one write burst and flushes them to w in
// one write. It borrows a block for the burst and gives it back once a flush
// empties it, so a connection with nothing to send holds no write buffer.
// The Framer writes through it, so it stays the same object for the
// connection's life while the memory behind it comes and goes.
//
// It is not safe for concurrent use; frameWriter.mu guards it. Like
// bufio.Writer, a write error is sticky: nothing after it reaches w, which
// keeps a partial frame from being followed by more bytes.
type burstBuffer struct {
	w   io.Writer
	b   *block // nil when nothing is buffered
	n   int    // bytes buffered in b
	err error
}

// Write buffers p, first writing out what is buffered when p does not fit.
// A p as large as a block goes straight to w.
func (bb *burstBuffer) Write(p []byte) (int, error) {
	if bb.err != nil {
		return 0, bb.err
	}
	if bb.n+len(p) > blockSize {
		if err := bb.writeOut(); err != nil {
			return 0, err
		}
		if len(p) >= blockSize {
			n, err := bb.w.Write(p)
			if err != nil {
				bb.fail(err)
			}
			return n, err
		}
	}
	if bb.b == nil {
		bb.b = blockPool.Get().(*block)
	}
	bb.n += copy(bb.b[bb.n:], p)
	return len(p), nil
}

// Buffered is the number of bytes written but not yet flushed.
func (bb *burstBuffer) Buffered() int { return bb.n }

// Flush writes out what is buffered and gives the block back.
func (bb *burstBuffer) Flush() error {
	if err := bb.writeOut(); err != nil {
		return err
	}
	if bb.b != nil {
		blockPool.Put(bb.b)
		bb.b = nil
	}
	return nil
}

// writeOut writes the buffered bytes to w, keeping the block.
func (bb *burstBuffer) writeOut() error {
	if bb.err != nil {
		return bb.err
	}
	if bb.n == 0 {
		return nil
	}
	_, err := bb.w.Write(bb.b[:bb.n])
	bb.n = 0
	if err != nil {
		bb.fail(err)
	}
	return err
}

// fail makes err sticky and gives the block back: nothing will be
// buffered again.
func (bb *burstBuffer) fail(err error) {
	bb.err = err
	if bb.b != nil {
		blockPool.Put(bb.b)
	}
	bb.b, bb.n = nil, 0
}
