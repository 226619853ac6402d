package h2

import "sync"

// chunkSize matches the default SETTINGS_MAX_FRAME_SIZE, so a typical DATA
// frame fills at most two chunks.
const chunkSize = 16 << 10

// chunk is one piece of a dataBuffer: bytes buf[r:w] are unread.
type chunk struct {
	buf  [chunkSize]byte
	r, w int
}

// chunkPool is shared by every stream of every connection: a response's
// buffer costs no allocation once the pool is warm, however large the body,
// where a growing slice per stream would allocate about twice the window.
var chunkPool = sync.Pool{New: func() any { return new(chunk) }}

// dataBuffer holds received DATA payloads until the application reads them.
// It is not safe for concurrent use; the stream guards it with cc.mu.
type dataBuffer struct {
	chunks []*chunk // oldest first
	size   int      // unread bytes in all chunks
	// inline backs chunks until a body spans more than two chunks, so a
	// small response's buffer costs no allocation for the slice either.
	inline [2]*chunk
}

// Len is the number of unread bytes.
func (d *dataBuffer) Len() int { return d.size }

// Write appends p, taking chunks from the pool as needed.
func (d *dataBuffer) Write(p []byte) {
	d.size += len(p)
	for len(p) > 0 {
		var c *chunk
		if n := len(d.chunks); n > 0 && d.chunks[n-1].w < chunkSize {
			c = d.chunks[n-1]
		} else {
			c = chunkPool.Get().(*chunk)
			c.r, c.w = 0, 0
			if d.chunks == nil {
				d.chunks = d.inline[:0]
			}
			d.chunks = append(d.chunks, c)
		}
		n := copy(c.buf[c.w:], p)
		c.w += n
		p = p[n:]
	}
}

// Read moves up to len(p) unread bytes into p and gives drained chunks back
// to the pool.
func (d *dataBuffer) Read(p []byte) int {
	n := 0
	for n < len(p) && len(d.chunks) > 0 {
		c := d.chunks[0]
		m := copy(p[n:], c.buf[c.r:c.w])
		c.r += m
		n += m
		if c.r < c.w {
			break
		}
		d.popFront()
	}
	d.size -= n
	return n
}

// Reset discards unread bytes and gives every chunk back to the pool.
func (d *dataBuffer) Reset() {
	for len(d.chunks) > 0 {
		d.popFront()
	}
	d.size = 0
}

func (d *dataBuffer) popFront() {
	chunkPool.Put(d.chunks[0])
	// A stream's buffer holds at most its window, a few dozen chunks, so
	// shifting is cheaper than keeping a ring.
	n := copy(d.chunks, d.chunks[1:])
	d.chunks[n] = nil
	d.chunks = d.chunks[:n]
}
