package pool

// listID names one of the intrusive lists a pooled conn can sit on. Each
// pconn carries one link per list, so moving a conn on and off a list never
// allocates; that keeps the per-request path free of garbage.
type listID int

const (
	freeList     listID = iota // host.free: non-multiplexed conns with a free slot, most recently used first
	hostIdleList               // host.idle: the host's idle conns, most recently idle first
	poolIdleList               // Pool.idle: every idle conn, most recently idle first
	numLists
)

type link struct {
	prev, next *pconn
	in         bool
}

// connList is a doubly linked list threaded through pconn.links[id].
type connList struct {
	id         listID
	head, tail *pconn
	n          int
}

func (l *connList) contains(pc *pconn) bool { return pc.links[l.id].in }

func (l *connList) pushFront(pc *pconn) {
	lk := &pc.links[l.id]
	if lk.in {
		return
	}
	lk.in, lk.prev, lk.next = true, nil, l.head
	if l.head != nil {
		l.head.links[l.id].prev = pc
	} else {
		l.tail = pc
	}
	l.head = pc
	l.n++
}

func (l *connList) remove(pc *pconn) {
	lk := &pc.links[l.id]
	if !lk.in {
		return
	}
	if lk.prev != nil {
		lk.prev.links[l.id].next = lk.next
	} else {
		l.head = lk.next
	}
	if lk.next != nil {
		lk.next.links[l.id].prev = lk.prev
	} else {
		l.tail = lk.prev
	}
	*lk = link{}
	l.n--
}

// next returns the conn after pc on this list (towards the least recent end).
func (l *connList) next(pc *pconn) *pconn { return pc.links[l.id].next }
