package h2

// slots counts the stream slots of one connection. It is a plain value
// guarded by ClientConn.mu.
//
// A slot is in exactly one state: reserved (Reserve called, RoundTrip not yet
// started), pending (RoundTrip holds it but has not opened its stream), or
// active (an open stream). Streams we reset stay counted in resets until a
// PING round trip shows the peer has seen the RST_STREAM, so the peer never
// sees more concurrent streams than it allows.
type slots struct {
	limit    int // the peer's SETTINGS_MAX_CONCURRENT_STREAMS
	active   int
	reserved int
	pending  int
	resets   int
	waiters  []*slotWaiter // FIFO of RoundTrips waiting for a slot
}

// slotWaiter is one RoundTrip waiting for a slot. granted is set under
// ClientConn.mu before ch is closed: the slot was handed over as pending.
type slotWaiter struct {
	ch      chan struct{}
	granted bool
}

// defaultStreamLimit is assumed until the peer's first SETTINGS arrives;
// absentStreamLimit when that SETTINGS does not mention the limit (which
// RFC 9113 leaves unbounded; no server wants that many).
const (
	defaultStreamLimit = 100
	absentStreamLimit  = 1000
)

func (s *slots) available() int {
	n := s.limit - s.active - s.reserved - s.pending - s.resets
	if n < 0 {
		return 0
	}
	return n
}

func (s *slots) inFlight() int { return s.reserved + s.pending + s.active }

// grant hands free slots to waiters in arrival order and reports whether it
// woke any.
func (s *slots) grant() bool {
	woke := false
	for len(s.waiters) > 0 && s.available() > 0 {
		w := s.waiters[0]
		s.waiters[0] = nil
		s.waiters = s.waiters[1:]
		w.granted = true
		s.pending++
		close(w.ch)
		woke = true
	}
	return woke
}

// remove drops w from the queue if it is still there.
func (s *slots) remove(w *slotWaiter) {
	for i, x := range s.waiters {
		if x == w {
			s.waiters = append(s.waiters[:i], s.waiters[i+1:]...)
			return
		}
	}
}

// failAll wakes every waiter without a slot; they then read the
// connection's error.
func (s *slots) failAll() {
	for _, w := range s.waiters {
		close(w.ch)
	}
	s.waiters = nil
}
