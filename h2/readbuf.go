package h2

import "io"

// smallReadSize is the buffer an idle connection blocks reading into. A
// quiet connection's next input (a response's HEADERS and a short body, a
// PING) fits in it.
const smallReadSize = 4 << 10

// connReader buffers the connection's input for the Framer, which reads
// every frame as a 9-byte header then its payload.
//
// The reader goroutine spends an idle connection's life blocked in Read, and
// whatever buffer that Read fills stays in use until data arrives. So
// connReader reads into a small buffer of its own unless the input is coming
// in bulk: after a read that returned at least a small buffer's worth, and
// while busy reports that responses are still expected, it reads into a
// block borrowed from blockPool instead, and gives the block back as soon as
// either stops being true. A burst of responses then costs few syscalls and
// a quiet connection holds only the small buffer. Asking busy matters
// because the last read before a connection goes quiet is often a large
// one: without it the block would stay borrowed for the whole quiet spell.
//
// It is used by the reader goroutine only.
type connReader struct {
	r     io.Reader
	busy  func() bool // reports whether input is expected soon; called only when bulk
	small []byte
	big   *block // nil unless borrowed
	buf   []byte // small or big[:]; buf[start:end] is unread
	start int
	end   int
	bulk  bool  // the last read from r returned at least len(small) bytes
	err   error // from r, returned once buf is drained
}

func newConnReader(r io.Reader, busy func() bool) *connReader {
	return &connReader{r: r, busy: busy, small: make([]byte, smallReadSize)}
}

// Read copies buffered bytes into p, or when none are left makes one read
// from r: straight into p when p is at least as large as the buffer it
// would use (a large DATA payload), else into that buffer.
func (c *connReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.start == c.end {
		if c.err != nil {
			return 0, c.failed()
		}
		buf := c.pick()
		if len(p) >= len(buf) {
			if n := c.readFrom(p); n > 0 {
				return n, nil
			}
			return 0, c.failed()
		}
		n := c.readFrom(buf)
		if n == 0 {
			return 0, c.failed()
		}
		c.buf, c.start, c.end = buf, 0, n
	}
	n := copy(p, c.buf[c.start:c.end])
	c.start += n
	return n, nil
}

// pick chooses the buffer for the next read from r, borrowing or giving
// back the block. The buffer is empty.
func (c *connReader) pick() []byte {
	if c.bulk && c.busy() {
		if c.big == nil {
			c.big = blockPool.Get().(*block)
		}
		return c.big[:]
	}
	c.releaseBig()
	return c.small
}

// readFrom makes one read from r into p, noting its size and any error.
func (c *connReader) readFrom(p []byte) int {
	n, err := c.r.Read(p)
	c.bulk = n >= len(c.small)
	if err != nil {
		c.err = err
	}
	return n
}

// failed is what a read that got nothing returns: the error, if any, after
// giving the block back, since a failed connection reads no more. A read of
// nothing without an error, which io.Reader discourages but allows, is
// passed on: io.ReadFull, the Framer's way of reading, retries it.
func (c *connReader) failed() error {
	if c.err != nil {
		c.releaseBig()
	}
	return c.err
}

func (c *connReader) releaseBig() {
	if c.big != nil {
		blockPool.Put(c.big)
		c.big = nil
		c.buf = c.small
	}
}
