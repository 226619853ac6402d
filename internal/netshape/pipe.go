package netshape

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// blockSize is the unit the bytes in transit are stored in, and the
// largest single read: big enough that a 1 Gbit/s stream costs a few
// thousand system calls a second.
const blockSize = 64 << 10

// blocks are shared by every proxy; a direction holds at most
// Limit/blockSize+2 of them.
var blockPool = sync.Pool{New: func() any { b := make([]byte, blockSize); return &b }}

// segment is what one read brought in: n bytes (or the sender's half-close
// when eof) that the receiving side may have at due.
type segment struct {
	n   int
	due time.Duration
	eof bool
}

// pipe is one direction of a proxied connection. Its reader stores what
// src sends, stamped with the time the link delivers it; its writer hands
// every byte that is due to dst in one write.
//
// The bytes in transit run from off in blocks[0] to fill in the last
// block, in the order of segs. mu guards blocks, off, fill, held and segs;
// the reader alone appends (into the free tail of the last block), the
// writer alone consumes from the front, so neither touches bytes the other
// is using while mu is released around the system calls.
type pipe struct {
	p        *Proxy
	src, dst *net.TCPConn
	stop     <-chan struct{} // closed when the connection is torn down
	abort    func()
	finished chan<- struct{} // told once dst has the half-close
	data     chan struct{}   // reader -> writer: a segment was queued
	space    chan struct{}   // writer -> reader: bytes were released

	mu     sync.Mutex
	blocks []*[]byte
	off    int
	fill   int
	held   int
	segs   []segment

	lastEnd time.Duration // owned by the reader: when the link is next free
}

func newPipe(p *Proxy, src, dst *net.TCPConn, stop <-chan struct{}, abort func(), finished chan<- struct{}) *pipe {
	return &pipe{p: p, src: src, dst: dst, stop: stop, abort: abort, finished: finished,
		data: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// readLoop reads from src while the pipe holds less than its limit. A
// segment leaves the link once the link has serialised the bytes queued
// before it and then its own, and arrives Delay later.
func (pp *pipe) readLoop() {
	link, limit := pp.p.link, pp.p.limit
	for {
		buf, ok := pp.nextBuffer(limit)
		if !ok {
			return
		}
		n, err := pp.src.Read(buf)
		now := pp.p.now()
		if n > 0 {
			pp.lastEnd = max(now, pp.lastEnd) + link.serialise(n)
			pp.push(segment{n: n, due: pp.lastEnd + link.Delay})
		}
		if errors.Is(err, io.EOF) {
			pp.push(segment{eof: true, due: max(now, pp.lastEnd) + link.Delay})
			return
		}
		if err != nil {
			pp.abort()
			return
		}
	}
}

// nextBuffer waits until the pipe holds less than limit and returns the
// free tail of the last block, cut to what the limit allows.
func (pp *pipe) nextBuffer(limit int) ([]byte, bool) {
	pp.mu.Lock()
	for pp.held >= limit {
		pp.mu.Unlock()
		select {
		case <-pp.space:
		case <-pp.stop:
			return nil, false
		}
		pp.mu.Lock()
	}
	defer pp.mu.Unlock()
	if pp.held == 0 && len(pp.blocks) > 0 {
		// Nothing in transit, so the writer touches no block: start over
		// at the front of the one block kept.
		pp.off, pp.fill = 0, 0
	}
	if len(pp.blocks) == 0 || pp.fill == blockSize {
		pp.blocks = append(pp.blocks, blockPool.Get().(*[]byte))
		pp.fill = 0
	}
	b := *pp.blocks[len(pp.blocks)-1]
	return b[pp.fill:min(blockSize, pp.fill+limit-pp.held)], true
}

func (pp *pipe) push(s segment) {
	pp.mu.Lock()
	pp.fill += s.n
	pp.held += s.n
	pp.segs = append(pp.segs, s)
	held := pp.held
	pp.mu.Unlock()
	pp.p.notePeak(held)
	signal(pp.data)
}

// writeLoop waits for the first segment's due time and then writes every
// segment due by then at once (timers wake late by tens of microseconds or
// more; whatever fell due meanwhile goes in the same write).
func (pp *pipe) writeLoop() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var iov [][]byte
	// bufs is declared once: WriteTo takes its address, which moves it to
	// the heap, and a fresh one per write would be an allocation per write.
	var bufs net.Buffers
	for {
		n, eof, wait := pp.takeDue(&iov)
		if n == 0 && !eof {
			if wait < 0 {
				select {
				case <-pp.data:
				case <-pp.stop:
					return
				}
				continue
			}
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-pp.stop:
				return
			}
			continue
		}
		if n > 0 {
			bufs = iov
			if _, err := bufs.WriteTo(pp.dst); err != nil {
				pp.abort()
				return
			}
			pp.consume(n)
		}
		if eof {
			pp.release()
			if err := pp.dst.CloseWrite(); err != nil {
				pp.abort()
				return
			}
			pp.finished <- struct{}{}
			return
		}
	}
}

// takeDue removes the segments due now from the queue and points iov at
// their bytes. With nothing due, wait is how long until the first segment
// is, or negative when the queue is empty.
func (pp *pipe) takeDue(iov *[][]byte) (n int, eof bool, wait time.Duration) {
	now := pp.p.now()
	pp.mu.Lock()
	defer pp.mu.Unlock()
	i := 0
	for ; i < len(pp.segs) && pp.segs[i].due <= now; i++ {
		n += pp.segs[i].n
		if pp.segs[i].eof {
			eof = true
			i++
			break
		}
	}
	if i == 0 {
		if len(pp.segs) == 0 {
			return 0, false, -1
		}
		return 0, false, pp.segs[0].due - now
	}
	pp.segs = pp.segs[i:]
	*iov = (*iov)[:0]
	off, left := pp.off, n
	for _, b := range pp.blocks {
		if left == 0 {
			break
		}
		k := min(blockSize-off, left)
		*iov = append(*iov, (*b)[off:off+k])
		left -= k
		off = 0
	}
	return n, eof, 0
}

// consume releases n written bytes, returning drained blocks to the pool
// (all but the last, which the reader may be filling).
func (pp *pipe) consume(n int) {
	pp.mu.Lock()
	pp.held -= n
	pp.off += n
	for pp.off >= blockSize && len(pp.blocks) > 1 {
		blockPool.Put(pp.blocks[0])
		copy(pp.blocks, pp.blocks[1:])
		pp.blocks[len(pp.blocks)-1] = nil
		pp.blocks = pp.blocks[:len(pp.blocks)-1]
		pp.off -= blockSize
	}
	pp.mu.Unlock()
	signal(pp.space)
}

// release returns the blocks to the pool once the half-close has been
// taken: the reader has stopped and every byte is written. An aborted
// pipe's blocks are left to the garbage collector, since its reader may
// still be inside a read into one.
func (pp *pipe) release() {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	for i, b := range pp.blocks {
		blockPool.Put(b)
		pp.blocks[i] = nil
	}
	pp.blocks = nil
}
