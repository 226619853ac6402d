package pool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

var (
	aKey = Key{Scheme: "https", Addr: "a.example:443", MayMultiplex: true}
	bKey = Key{Scheme: "https", Addr: "b.example:443", MayMultiplex: true}
	cKey = Key{Scheme: "https", Addr: "c.example:443", MayMultiplex: true}
)

// judge is a CoalesceFunc that records what it was asked and approves
// the conns its test marks.
type judge struct {
	mu      sync.Mutex
	asked   []Key
	offered [][]Conn
	approve func(key Key, c Conn) bool
}

func (j *judge) coalesce(_ context.Context, key Key, conns []Conn) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.asked = append(j.asked, key)
	j.offered = append(j.offered, conns)
	for i, c := range conns {
		if j.approve(key, c) {
			return i
		}
	}
	return -1
}

func (j *judge) calls() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.asked)
}

func approveAll(Key, Conn) bool { return true }

func TestCoalescingLendsApprovedConnToOtherOrigin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})

		a, ai := get(t, p, aKey)
		require.False(t, ai.Coalesced)
		require.Zero(t, j.calls(), "an origin's first conn is asked about nothing: there is no other")

		b, bi := get(t, p, bKey)
		require.Same(t, a, b)
		require.True(t, bi.Coalesced)
		require.Equal(t, 1, d.numCalls(), "two origins, one dial")
		require.Equal(t, []Key{bKey}, j.asked)
		require.Equal(t, []Conn{a}, j.offered[0])

		b2, bi2 := get(t, p, bKey)
		require.Same(t, a, b2)
		require.True(t, bi2.Coalesced)
		require.Equal(t, 1, j.calls(), "a conn once approved for an origin is not asked about again")
		require.Equal(t, 3, a.InFlight())
		for _, o := range p.OriginStats() {
			if o.Origin == originOf(bKey) {
				require.Equal(t, uint64(2), o.Requests, "borrowed or not, b.example's requests are its own")
				require.Zero(t, o.Conns)
			}
		}
	})
}

func TestCoalescingRefusedDialsOwnConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		j := &judge{approve: func(Key, Conn) bool { return false }}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})
		a, _ := get(t, p, aKey)
		b, bi := get(t, p, bKey)
		require.NotSame(t, a, b)
		require.False(t, bi.Coalesced)
		require.Equal(t, 2, d.numCalls())

		// b.example has a conn of its own now: it is not asked again.
		get(t, p, bKey)
		require.Equal(t, 1, j.calls())
	})
}

func TestCoalescingOffLendsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		p := newTestPool(t, d, Config{})
		a, _ := get(t, p, aKey)
		b, bi := get(t, p, bKey)
		require.NotSame(t, a, b)
		require.False(t, bi.Coalesced)
		require.Equal(t, 2, d.numCalls())
	})
}

func TestCoalescingOffersOnlyUsableDirectHTTPSMultiplexedConns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mux := true
		d := &fakeDialer{auto: func(id int, onChange func()) (Conn, error) {
			return newFakeConn(id, mux, 1, onChange), nil
		}}
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})

		proxied := Key{Scheme: "https", Addr: "p.example:443", MayMultiplex: true, Proxy: "http://proxy:8080"}
		h2c := Key{Scheme: "http", Addr: "h2c.example:80", MayMultiplex: true}
		get(t, p, proxied)
		get(t, p, h2c)
		full, _ := get(t, p, aKey) // its one slot is taken
		mux = false
		h1 := Key{Scheme: "https", Addr: "h1.example:443", MayMultiplex: true}
		get(t, p, h1) // not multiplexed
		mux = true
		get(t, p, bKey)
		require.Zero(t, j.calls(), "no conn qualified, so nobody was asked")
		require.Equal(t, 5, d.numCalls())

		// Nor do proxied or cleartext requests borrow.
		full.Release()
		synctest.Wait()
		get(t, p, Key{Scheme: "https", Addr: "q.example:443", MayMultiplex: true, Proxy: "http://proxy:8080"})
		get(t, p, Key{Scheme: "http", Addr: "h2c2.example:80", MayMultiplex: true})
		get(t, p, Key{Scheme: "https", Addr: "up.example:443"}) // an upgrade: HTTP/1.1 of its own
		require.Zero(t, j.calls())
		require.Equal(t, 8, d.numCalls())
	})
}

func TestCoalescingNotWhileOriginDialsItsOwn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})
		ga := startGet(p, aKey)
		synctest.Wait()
		a := d.call(0).succeed(true, 10)
		require.Same(t, a, ga.mustConn(t))

		// While a.example's dial was under way (above) nobody was asked;
		// likewise b.example, refused once, keeps to the dial it started.
		j.mu.Lock()
		j.approve = func(Key, Conn) bool { return false }
		j.mu.Unlock()
		gb := startGet(p, bKey)
		gb.mustWait(t)
		gb2 := startGet(p, bKey)
		gb2.mustWait(t)
		require.Equal(t, 1, j.calls())
		require.Equal(t, 2, d.numCalls())
		b := d.call(1).succeed(true, 10)
		require.Same(t, b, gb.mustConn(t))
		require.Same(t, b, gb2.mustConn(t))
	})
}

func TestMisdirectedConnIsLentNoMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})
		a, _ := get(t, p, aKey)
		b, bi := get(t, p, bKey)
		require.Same(t, a, b)
		require.True(t, bi.Coalesced)

		p.Misdirected(bKey, b)
		own, _, err := p.GetOwn(context.Background(), bKey)
		require.NoError(t, err)
		require.NotSame(t, a, own)
		require.Equal(t, 2, d.numCalls())

		// Lent to nobody now, not even to an origin it was never refused for.
		// b.example's own conn may be lent, though.
		c, ci := get(t, p, cKey)
		require.True(t, ci.Coalesced)
		require.Same(t, own, c)
		require.Len(t, j.offered, 2)
		require.Equal(t, []Conn{own}, j.offered[1])

		// a.example's own requests still go on it.
		again, info := get(t, p, aKey)
		require.Same(t, a, again)
		require.False(t, info.Coalesced)
	})
}

func TestGetOwnNeverBorrows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})
		a, _ := get(t, p, aKey)
		b, bi, err := p.GetOwn(context.Background(), bKey)
		require.NoError(t, err)
		require.NotSame(t, a, b)
		require.False(t, bi.Coalesced)
		require.Zero(t, j.calls())
	})
}

func TestLentConnGoneIsForgotten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		j := &judge{approve: approveAll}
		p := newTestPool(t, d, Config{Coalesce: j.coalesce})
		a, _ := get(t, p, aKey)
		get(t, p, bKey)
		a.Release()
		a.Release()
		a.die(errors.New("gone"))
		synctest.Wait()

		b, bi := get(t, p, bKey)
		require.NotSame(t, a, b)
		require.False(t, bi.Coalesced)
		require.Equal(t, 2, d.numCalls())
		p.mu.Lock()
		require.Empty(t, p.lent, "a closed conn leaves no record behind")
		p.mu.Unlock()
	})
}

func TestCoalescingAskedWithoutPoolLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		var p *Pool
		j := &judge{approve: func(Key, Conn) bool {
			// A judge that resolves names may take its time; the pool
			// must serve others meanwhile.
			p.Stats()
			return true
		}}
		p = newTestPool(t, d, Config{Coalesce: j.coalesce})
		get(t, p, aKey)
		_, bi := get(t, p, bKey)
		require.True(t, bi.Coalesced)
	})
}

func TestCloseWhileAskingFailsGet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		var p *Pool
		j := &judge{approve: func(Key, Conn) bool {
			go p.Close()
			synctest.Wait()
			return true
		}}
		p = newTestPool(t, d, Config{Coalesce: j.coalesce})
		get(t, p, aKey)
		_, _, err := p.Get(context.Background(), bKey)
		require.ErrorIs(t, err, ErrClosed)
	})
}
