package pool

import "context"

// waiter is one Get call queued for a slot. The pool hands it a result by a
// single non-blocking send on ch (buffered, capacity one) after taking it off
// the queue, both under the pool lock; so a waiter is either queued or has
// exactly one result in ch, never both.
type waiter struct {
	ctx        context.Context // values for a dial started on its behalf
	ch         chan handoff
	dial       *dial // the dial it counts on, nil if none; guarded by Pool.mu
	prev, next *waiter
	queued     bool
}

// handoff is what a waiter receives: a conn with a slot reserved for it, or
// the error that ends its wait.
type handoff struct {
	pc   *pconn
	info GotInfo
	err  error
}

// waitQueue is a FIFO of waiters that also allows removal from the middle,
// for waiters whose context ended. It counts the waiters that have no dial
// to count on, so a busy origin's pump skips the dial bookkeeping entirely
// when every waiter is covered.
type waitQueue struct {
	head, tail *waiter
	n          int
	undialed   int // queued waiters with dial == nil
}

func (q *waitQueue) push(w *waiter) {
	w.queued, w.prev, w.next = true, q.tail, nil
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	q.n++
	q.undialed++
}

// remove takes w off the queue; its dial, if any, no longer counts on it.
func (q *waitQueue) remove(w *waiter) {
	if !w.queued {
		return
	}
	if w.dial != nil {
		w.dial.waiters--
		w.dial = nil
	} else {
		q.undialed--
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	q.n--
}

// attach makes the queued waiter w, which has no dial, count on d.
func (q *waitQueue) attach(w *waiter, d *dial) {
	w.dial = d
	d.waiters++
	q.undialed--
}

// detach makes the queued waiter w count on no dial, as when its dial's
// conn went to the queue head instead.
func (q *waitQueue) detach(w *waiter) {
	if w.dial != nil {
		w.dial.waiters--
		w.dial = nil
		q.undialed++
	}
}
