package pool

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

var errFakeClosed = errors.New("fake: closed")

// fakeConn is a Conn whose slots tests free, resize and kill by hand. Like a
// real conn it fires onChange, with its lock released, whenever a slot frees,
// its limit changes or it dies.
type fakeConn struct {
	id       int
	mux      bool
	onChange func()

	mu        sync.Mutex
	limit     int // slots the peer allows
	reserved  int // reserved, not yet used by RoundTrip
	active    int // exchanges under way
	err       error
	idleSince time.Time
	trips     int
	releases  int
	closes    int
	cause     error // given to CloseWithError
	detached  bool
}

func newFakeConn(id int, mux bool, slots int, onChange func()) *fakeConn {
	return &fakeConn{id: id, mux: mux, limit: slots, onChange: onChange, idleSince: time.Now()}
}

func (c *fakeConn) fire() {
	if c.onChange != nil {
		c.onChange()
	}
}

func (c *fakeConn) RoundTrip(*http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reserved == 0 {
		return nil, errors.New("fake: round trip without a reserved slot")
	}
	c.reserved--
	c.active++
	c.trips++
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

func (c *fakeConn) Reserve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.reserved+c.active >= c.limit {
		return false
	}
	c.reserved++
	c.idleSince = time.Time{}
	return true
}

func (c *fakeConn) Release() {
	c.mu.Lock()
	if c.reserved == 0 {
		c.mu.Unlock()
		panic("fake: release without a reserved slot")
	}
	c.reserved--
	c.releases++
	c.settleLocked()
	c.mu.Unlock()
	c.fire()
}

// finish ends one exchange started by RoundTrip, freeing its slot.
func (c *fakeConn) finish() {
	c.mu.Lock()
	if c.active == 0 {
		c.mu.Unlock()
		panic("fake: finish without an exchange")
	}
	c.active--
	c.settleLocked()
	c.mu.Unlock()
	c.fire()
}

func (c *fakeConn) settleLocked() {
	if c.reserved+c.active == 0 {
		c.idleSince = time.Now()
	}
}

func (c *fakeConn) Available() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0
	}
	return max(0, c.limit-c.reserved-c.active)
}

func (c *fakeConn) InFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reserved + c.active
}

func (c *fakeConn) Multiplexed() bool { return c.mux }

func (c *fakeConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *fakeConn) IdleSince() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleSince
}

func (c *fakeConn) Close() error {
	c.mu.Lock()
	c.closes++
	if c.err == nil {
		c.err = errFakeClosed
	}
	c.mu.Unlock()
	c.fire()
	return nil
}

// setLimit changes the slot count, as new SETTINGS would.
func (c *fakeConn) setLimit(n int) {
	c.mu.Lock()
	c.limit = n
	c.mu.Unlock()
	c.fire()
}

// die makes the conn refuse new requests, as a GOAWAY or a broken socket would.
func (c *fakeConn) die(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	c.fire()
}

// CloseWithError records the cause and closes.
func (c *fakeConn) CloseWithError(cause error) error {
	c.mu.Lock()
	c.cause = cause
	c.mu.Unlock()
	return c.Close()
}

func (c *fakeConn) closeCause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

func (c *fakeConn) Detached() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.detached
}

// detach hands the conn over, as an HTTP/1.1 conn does after a 101.
func (c *fakeConn) detach() {
	c.mu.Lock()
	c.err = errors.New("fake: switched protocols")
	c.detached = true
	c.mu.Unlock()
	c.fire()
}

func (c *fakeConn) closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closes > 0
}

func (c *fakeConn) counts() (trips, releases, closes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trips, c.releases, c.closes
}

// fakeDialer is a DialFunc the test drives. With auto set, each dial returns
// at once what auto builds; otherwise each dial blocks until the test answers
// it (or the pool cancels it).
type fakeDialer struct {
	auto func(id int, onChange func()) (Conn, error)

	mu    sync.Mutex
	calls []*dialCall
	conns []*fakeConn
}

type dialCall struct {
	d        *fakeDialer
	id       int
	key      Key
	ctx      context.Context
	onChange func()
	reply    chan dialReply
	canceled bool
}

type dialReply struct {
	c   Conn
	err error
}

// h1Dialer dials non-multiplexed fakes at once.
func h1Dialer() *fakeDialer {
	return &fakeDialer{auto: func(id int, onChange func()) (Conn, error) {
		return newFakeConn(id, false, 1, onChange), nil
	}}
}

// h2Dialer dials multiplexed fakes with the given slots at once.
func h2Dialer(slots int) *fakeDialer {
	return &fakeDialer{auto: func(id int, onChange func()) (Conn, error) {
		return newFakeConn(id, true, slots, onChange), nil
	}}
}

func (d *fakeDialer) Dial(ctx context.Context, key Key, onChange func()) (Conn, error) {
	d.mu.Lock()
	call := &dialCall{d: d, id: len(d.calls), key: key, ctx: ctx, onChange: onChange, reply: make(chan dialReply, 1)}
	d.calls = append(d.calls, call)
	auto := d.auto
	d.mu.Unlock()
	if auto != nil {
		c, err := auto(call.id, onChange)
		d.track(c)
		return c, err
	}
	select {
	case r := <-call.reply:
		d.track(r.c)
		return r.c, r.err
	case <-ctx.Done():
		d.mu.Lock()
		call.canceled = true
		d.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (d *fakeDialer) track(c Conn) {
	if fc, ok := c.(*fakeConn); ok {
		d.mu.Lock()
		d.conns = append(d.conns, fc)
		d.mu.Unlock()
	}
}

func (d *fakeDialer) numCalls() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.calls)
}

func (d *fakeDialer) call(i int) *dialCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[i]
}

// succeed answers the dial with a fresh fake conn.
func (c *dialCall) succeed(mux bool, slots int) *fakeConn {
	fc := newFakeConn(c.id, mux, slots, c.onChange)
	c.reply <- dialReply{c: fc}
	return fc
}

func (c *dialCall) fail(err error) { c.reply <- dialReply{err: err} }

func (c *dialCall) wasCanceled() bool {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	return c.canceled
}
