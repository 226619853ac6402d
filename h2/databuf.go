package h2

import "sync"

// chunkSizes are the sizes of the pieces a stream's received bytes are kept
// in. A stream's first chunk is the smallest that holds the first DATA
// payload, and each further chunk is at least one size up, to chunkSize:
// ten thousand streams with a small body each hold a few hundred bytes
// apiece, not 16 KiB, while a long body still moves in chunks the size of
// a default frame.
var chunkSizes = [...]int{256, 1 << 10, 4 << 10, chunkSize}

// chunkSize matches the default SETTINGS_MAX_FRAME_SIZE, so a typical DATA
// frame of a long body fills at most two chunks.
const chunkSize = 16 << 10

// chunk is one piece of a dataBuffer: bytes buf[r:w] are unread.
type chunk struct {
	buf   []byte
	r, w  int
	class uint8 // index in chunkSizes
}

// chunkPools, one per size, are shared by every stream of every connection:
// a response's buffer costs no allocation once the pools are warm, however
// large the body, where a growing slice per stream would allocate about
// twice the window.
var chunkPools [len(chunkSizes)]sync.Pool

func init() {
	for i, n := range chunkSizes {
		chunkPools[i].New = func() any { return &chunk{buf: make([]byte, n), class: uint8(i)} }
	}
}

// getChunk returns an empty chunk of size class at least min that holds n
// bytes, or the largest class.
func getChunk(n int, min uint8) *chunk {
	class := min
	for int(class) < len(chunkSizes)-1 && chunkSizes[class] < n {
		class++
	}
	c := chunkPools[class].Get().(*chunk)
	c.r, c.w = 0, 0
	return c
}

// dataBuffer holds received DATA payloads until the application reads them.
// It is not safe for concurrent use; the stream guards it with cc.mu.
type dataBuffer struct {
	chunks []*chunk // oldest first
	size   int      // unread bytes in all chunks
	next   uint8    // least size class of the next chunk
	// inline backs chunks until a body spans more than two chunks, so a
	// small response's buffer costs no allocation for the slice either.
	inline [2]*chunk
}

// Len is the number of unread bytes.
func (d *dataBuffer) Len() int { return d.size }

// Write appends p, taking chunks from the pools as needed.
func (d *dataBuffer) Write(p []byte) {
	d.size += len(p)
	for len(p) > 0 {
		var c *chunk
		if n := len(d.chunks); n > 0 && d.chunks[n-1].w < len(d.chunks[n-1].buf) {
			c = d.chunks[n-1]
		} else {
			c = getChunk(len(p), d.next)
			d.next = min(c.class+1, uint8(len(chunkSizes)-1))
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
// to the pools.
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

// Reset discards unread bytes and gives every chunk back to the pools.
func (d *dataBuffer) Reset() {
	for len(d.chunks) > 0 {
		d.popFront()
	}
	d.size = 0
}

func (d *dataBuffer) popFront() {
	c := d.chunks[0]
	chunkPools[c.class].Put(c)
	// A stream's buffer holds at most its window, a few dozen chunks, so
	// shifting is cheaper than keeping a ring.
	n := copy(d.chunks, d.chunks[1:])
	d.chunks[n] = nil
	d.chunks = d.chunks[:n]
}
