package pool

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

var (
	h1Key = Key{Scheme: "http", Addr: "h1.example:80"}
	h2Key = Key{Scheme: "https", Addr: "h2.example:443", MayMultiplex: true}
)

// newTestPool builds a pool on d that is closed when the test ends.
func newTestPool(t *testing.T, d *fakeDialer, cfg Config) *Pool {
	t.Helper()
	cfg.Dial = d.Dial
	p := New(cfg)
	t.Cleanup(func() { p.Close() })
	return p
}

// got is the outcome of one Get.
type got struct {
	c    *fakeConn
	info GotInfo
	err  error
}

// pendingGet is a Get running in its own goroutine.
type pendingGet struct {
	ch     chan got
	cancel context.CancelFunc
	res    *got
}

func startGet(p *Pool, key Key) *pendingGet {
	ctx, cancel := context.WithCancel(context.Background())
	g := &pendingGet{ch: make(chan got, 1), cancel: cancel}
	go func() {
		c, info, err := p.Get(ctx, key)
		fc, _ := c.(*fakeConn)
		g.ch <- got{c: fc, info: info, err: err}
	}()
	return g
}

// result returns the Get's outcome, or nil while it still waits. Call it
// after synctest.Wait.
func (g *pendingGet) result() *got {
	if g.res == nil {
		select {
		case r := <-g.ch:
			g.res = &r
		default:
		}
	}
	return g.res
}

// mustConn settles the bubble and returns the conn the Get obtained.
func (g *pendingGet) mustConn(t *testing.T) *fakeConn {
	t.Helper()
	synctest.Wait()
	r := g.result()
	require.NotNil(t, r, "Get is still waiting")
	require.NoError(t, r.err)
	return r.c
}

// mustWait settles the bubble and checks the Get is still waiting.
func (g *pendingGet) mustWait(t *testing.T) {
	t.Helper()
	synctest.Wait()
	require.Nil(t, g.result(), "Get returned while it should wait")
}

// get does a Get that must succeed at once, in the test's goroutine.
func get(t *testing.T, p *Pool, key Key) (*fakeConn, GotInfo) {
	t.Helper()
	c, info, err := p.Get(context.Background(), key)
	require.NoError(t, err)
	return c.(*fakeConn), info
}
