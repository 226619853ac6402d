package h2

// A goroutine waiting on a stream, for its response or for body bytes, must
// always be able to get them, whatever the other streams hold. The connection window alone cannot promise that:
// bytes received for streams the application is not reading yet stay
// buffered, and their credit comes back only as they are read, so with
// enough of them the window is spent and the stream being read gets nothing
// more (20 downloads of 1 MiB read one after another fill a 16 MiB window).
//
// Waiting for the response needs the same care: some servers (nginx among
// them) send a response's HEADERS only together with its first DATA.
//
// So while a goroutine waits on a stream, the connection keeps the peer's
// connection credit at least at what that stream may still receive, lending
// beyond the window when buffered bytes hold it (recvWindow.ensure). The
// peer may spend the credit on other streams instead; each of those is
// bounded by its own stream window, so lending again whenever credit runs
// short ends once the other streams' windows are full, and the buffered
// bytes stay within the connection window plus the stream windows.

// startWaitingLocked registers a goroutine as waiting on cs, for its
// response or for body bytes, and makes sure the peer has the connection
// credit to send them. The caller waits on cs.wake after running a, then
// calls doneWaitingLocked.
func (cc *ClientConn) startWaitingLocked(cs *stream, a *actions) {
	if cs.recvEnd || cs.closed || cc.closed || cs.waitAt != 0 {
		return
	}
	cc.waiting = append(cc.waiting, cs)
	cs.waitAt = len(cc.waiting)
	a.connWU += cc.feedLocked(cs)
}

// doneWaitingLocked ends what startWaitingLocked began (nothing if it did not).
func (cc *ClientConn) doneWaitingLocked(cs *stream) {
	i := cs.waitAt - 1
	if i < 0 {
		return
	}
	last := len(cc.waiting) - 1
	if i != last {
		cc.waiting[i] = cc.waiting[last]
		cc.waiting[i].waitAt = i + 1
	}
	cc.waiting[last] = nil
	cc.waiting = cc.waiting[:last]
	cs.waitAt = 0
}

// feedLocked returns the connection WINDOW_UPDATE increment that lets the
// peer send cs what cs's own window allows (0 if the peer has that already).
func (cc *ClientConn) feedLocked(cs *stream) uint32 {
	if cs.recvEnd || cs.closed {
		return 0
	}
	return cc.recvWin.ensure(min(cs.recv.avail, cc.recvWin.size))
}

// feedWaitingLocked keeps every waiting stream fed after DATA for another
// stream took connection credit.
func (cc *ClientConn) feedWaitingLocked(except *stream) uint32 {
	// No stream may receive more than the largest stream window, so a
	// connection with that much credit left starves nobody: the common
	// case costs one comparison.
	if len(cc.waiting) == 0 || cc.recvWin.avail >= int64(cc.maxStreamWindowLocked()) {
		return 0
	}
	var inc uint32
	for _, cs := range cc.waiting {
		if cs != except {
			inc += cc.feedLocked(cs)
		}
	}
	return inc
}
