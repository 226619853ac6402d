package h2

// initialWindow is the window every stream and the connection start with
// before SETTINGS or WINDOW_UPDATE change it (RFC 9113 §6.9.2).
const initialWindow = 65535

// sendWindow is how many bytes the peer lets us send, for one stream or for
// the connection. It is a plain value guarded by whoever owns it.
//
// RFC 9113 §6.9.2: a SETTINGS_INITIAL_WINDOW_SIZE change can make a stream's
// window negative; sending waits until WINDOW_UPDATEs make it positive again.
type sendWindow struct {
	n int64 // kept wider than int32 so an overflow is detected, not wrapped
}

func newSendWindow(n uint32) sendWindow { return sendWindow{n: int64(n)} }

// add applies a WINDOW_UPDATE increment or a SETTINGS delta. It reports false
// when the window would pass 2^31-1, which RFC 9113 §6.9.1 makes a
// FLOW_CONTROL_ERROR; the window is then left unchanged.
func (w *sendWindow) add(delta int64) bool {
	if w.n+delta > maxWindow {
		return false
	}
	w.n += delta
	return true
}

// available is how many bytes may be sent now (never negative).
func (w *sendWindow) available() int64 {
	if w.n < 0 {
		return 0
	}
	return w.n
}

// take consumes n bytes; the caller has checked available.
func (w *sendWindow) take(n int64) { w.n -= n }

// recvWindow is how many bytes we let the peer send, for one stream or for
// the connection, plus the credit freed by the application that we have not
// yet announced.
//
// Announcing is batched so a body read in small pieces does not cost one
// frame per read: a WINDOW_UPDATE goes out once half the window has been
// freed, or earlier once the peer is running low, that is once the freed
// credit is at least what the peer still has and at least one full DATA
// frame's worth (the rule x/net uses, with a coarser floor). Without the
// second condition a peer whose credit is held by bytes buffered for other
// streams would wait for credit that only comes once half the window is read.
//
// Credit can also be lent (see ensure): announced beyond the window so that
// a reader waiting on an empty stream is never starved by bytes buffered,
// unread, for other streams. Released bytes pay the loan back before they
// count as credit again, so the window returns to its size.
type recvWindow struct {
	size    int64 // the window we aim to keep open
	avail   int64 // what the peer may still send
	unsent  int64 // credit freed by reads, not yet announced
	minSend int64 // announce once unsent reaches this
	lent    int64 // credit announced beyond size, not yet paid back
}

// lowCreditFloor is the least credit announced early because the peer runs
// low: one DATA frame of the default maximum size.
const lowCreditFloor = 16384

func newRecvWindow(size uint32) recvWindow {
	return recvWindow{size: int64(size), avail: int64(size), minSend: int64(size) / 2}
}

// consume accounts for n received bytes (DATA payload including padding). It
// reports false when n exceeds what the peer was allowed to send, a
// FLOW_CONTROL_ERROR (RFC 9113 §6.9.1); the window is then left unchanged.
func (w *recvWindow) consume(n uint32) bool {
	if int64(n) > w.avail {
		return false
	}
	w.avail -= int64(n)
	return true
}

// release returns n consumed bytes to the peer once they were read or
// discarded. It returns the WINDOW_UPDATE increment to send now, 0 while the
// credit is still being batched.
func (w *recvWindow) release(n int) uint32 {
	m := int64(n)
	if w.lent > 0 {
		paid := min(m, w.lent)
		w.lent -= paid
		m -= paid
	}
	w.unsent += m
	if w.unsent == 0 {
		return 0
	}
	if w.unsent < w.minSend && (w.unsent < w.avail || w.unsent < lowCreditFloor) {
		return 0
	}
	return w.flush()
}

// ensure makes sure the peer may send at least need more bytes: it announces
// the credit not yet announced and, if that is not enough, lends the rest
// beyond the window. It returns the increment to send (0 if none is needed).
func (w *recvWindow) ensure(need int64) uint32 {
	if w.avail >= need {
		return 0
	}
	inc := w.flush()
	if short := min(need, maxWindow) - w.avail; short > 0 {
		w.avail += short
		w.lent += short
		inc += uint32(short)
	}
	return inc
}

// flush returns all unannounced credit, whatever its size (0 if none).
func (w *recvWindow) flush() uint32 {
	inc := w.unsent
	if w.avail+inc > maxWindow {
		inc = maxWindow - w.avail
	}
	w.unsent -= inc
	w.avail += inc
	return uint32(inc)
}

// raise grows the window target to size and returns the increment that
// announces the difference (0 if size is not larger).
func (w *recvWindow) raise(size uint32) uint32 {
	if int64(size) <= w.size {
		return 0
	}
	inc := int64(size) - w.size
	w.size = int64(size)
	w.minSend = w.size / 2
	w.avail += inc
	return uint32(inc)
}
