package h2

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/deadline"
	"github.com/plexhttp/plex/internal/timeout"
)

// frameWriter is the one path frames take to the wire.
//
// Writers from any goroutine (RoundTrip, body uploads, the reader answering
// PING and SETTINGS, body reads returning credit) take mu, append their
// frames to a burstBuffer, and the last writer of a burst flushes: waiting
// counts writers that want mu, so a writer that sees no one behind it
// flushes, and one that sees someone waiting leaves the flush to them. Frames
// from many streams thus leave in few syscalls without a dedicated writer
// goroutine or a queue to allocate into.
//
// mu guards every field below it. Lock order: frameWriter.mu before
// ClientConn.mu, never the reverse. The hpack encoder lives here because its
// state must follow the order header blocks reach the wire.
type frameWriter struct {
	waiting atomic.Int32 // writers that want mu, including the holder

	mu    sync.Mutex
	fr    *http2.Framer // write side only; the reader goroutine owns the read side
	bw    burstBuffer
	enc   *hpack.Encoder
	hbuf  bytes.Buffer // encoded header block
	err   error        // sticky: once a write failed, every later one fails
	trace func(FrameEvent)
}

// begin takes the writer. Every begin is paired with end.
func (w *frameWriter) begin() {
	w.waiting.Add(1)
	w.mu.Lock()
}

// end releases the writer and, when no other writer waits, flushes. Before
// flushing it yields the processor once: goroutines made runnable by the
// same burst of responses (each about to write its next request) then add
// their frames first, and one syscall carries them all. With nothing else
// runnable the yield returns at once, so a lone request pays no latency.
// It returns the sticky write error, if any.
func (w *frameWriter) end() error {
	if w.waiting.Add(-1) != 0 || w.err != nil || w.bw.Buffered() == 0 {
		err := w.err
		w.mu.Unlock()
		return err
	}
	w.mu.Unlock()
	runtime.Gosched()
	if w.waiting.Load() != 0 {
		// A writer that began meanwhile flushes when it ends; a failure
		// there closes the connection, which fails our stream too.
		return nil
	}
	w.mu.Lock()
	if w.err == nil && w.bw.Buffered() > 0 {
		w.err = w.bw.Flush()
	}
	err := w.err
	w.mu.Unlock()
	return err
}

// noteLocked records the error of one framer write.
func (w *frameWriter) noteLocked(err error) {
	if err != nil && w.err == nil {
		w.err = err
	}
}

// timeoutWriter fails a write that makes no progress for d (up to
// deadline.Slack(d) later: the deadline is moved lazily), and retries a
// timed-out Write that moved some bytes. It is guarded by frameWriter.mu.
type timeoutWriter struct {
	nc       net.Conn  // for its deadline
	out      io.Writer // nc, or its socket written directly
	d        time.Duration
	deadline deadline.Lazy
}

func (t *timeoutWriter) Write(p []byte) (int, error) {
	total := 0
	for {
		if t.d > 0 {
			t.deadline.Arm(t.nc, time.Now(), t.d)
		}
		n, err := t.out.Write(p[total:])
		total += n
		if err == nil || total == len(p) {
			return total, nil
		}
		var ne net.Error
		if n > 0 && errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		if errors.As(err, &ne) && ne.Timeout() {
			return total, timeout.WriteError(t.nc, timeout.Errorf("h2: write made no progress for %v", t.d))
		}
		return total, err
	}
}
