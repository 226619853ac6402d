package pool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/event"
	"github.com/stretchr/testify/require"
)

// recorder keeps the events a pool fires, as a listener would.
type recorder struct {
	mu       sync.Mutex
	closed   []event.ConnClosed
	queued   []event.RequestQueued
	dequeued []event.RequestDequeued
}

func (r *recorder) listener() *event.Listener {
	return &event.Listener{
		ConnClosed: func(e event.ConnClosed) { r.mu.Lock(); r.closed = append(r.closed, e); r.mu.Unlock() },
		RequestQueued: func(e event.RequestQueued) {
			r.mu.Lock()
			r.queued = append(r.queued, e)
			r.mu.Unlock()
		},
		RequestDequeued: func(e event.RequestDequeued) {
			r.mu.Lock()
			r.dequeued = append(r.dequeued, e)
			r.mu.Unlock()
		},
	}
}

func (r *recorder) closes() []event.ConnClosed {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event.ConnClosed(nil), r.closed...)
}

// reasonConn is a fake conn that says why it died, as h1 and h2 conns do.
type reasonConn struct {
	*fakeConn
	reason event.CloseReason
	code   uint32
}

func (c *reasonConn) CloseReason() (event.CloseReason, uint32) { return c.reason, c.code }

func TestEventsCloseReasons(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		var goaway *reasonConn
		d := &fakeDialer{auto: func(id int, onChange func()) (Conn, error) {
			fc := newFakeConn(id, id == 2, 1, onChange)
			if id == 2 {
				goaway = &reasonConn{fakeConn: fc, reason: event.ClosePeerGoAway, code: 0}
				return goaway, nil
			}
			return fc, nil
		}}
		p := newTestPool(t, d, Config{Events: rec.listener(), IdleConnTimeout: time.Minute, MaxIdleConnsPerHost: 1})
		ctx := context.Background()

		// conn 1 and 2 on h1Key: the second idle one is over the limit.
		c1, info1, err := p.Get(ctx, h1Key)
		require.NoError(t, err)
		require.Equal(t, event.ConnID(1), info1.Conn)
		c2, info2, err := p.Get(ctx, h1Key)
		require.NoError(t, err)
		require.Equal(t, event.ConnID(2), info2.Conn)
		c1.Release()
		c2.Release()
		synctest.Wait()
		// conn 3, multiplexed on h2Key, is told to go away.
		c3, info3, err := p.Get(ctx, h2Key)
		require.NoError(t, err)
		require.Equal(t, event.ConnID(3), info3.Conn)
		c3.Release()
		synctest.Wait()
		goaway.die(errors.New("fake: goaway"))
		synctest.Wait()

		closes := rec.closes()
		require.Len(t, closes, 2)
		require.Equal(t, event.ConnID(1), closes[0].Conn)
		require.Equal(t, event.CloseIdleLimit, closes[0].Reason)
		require.Equal(t, event.ProtoHTTP1, closes[0].Protocol)
		require.Equal(t, uint64(1), closes[0].Requests)
		require.Equal(t, event.ConnID(3), closes[1].Conn)
		require.Equal(t, event.ClosePeerGoAway, closes[1].Reason)
		require.Equal(t, event.ProtoHTTP2, closes[1].Protocol)
		require.Equal(t, event.Origin{Scheme: "https", Addr: "h2.example:443"}, closes[1].Origin)

		// conn 2 expires a minute after it went idle; its age is the
		// time since it opened.
		time.Sleep(time.Minute)
		synctest.Wait()
		closes = rec.closes()
		require.Len(t, closes, 3)
		require.Equal(t, event.ConnID(2), closes[2].Conn)
		require.Equal(t, event.CloseIdleTimeout, closes[2].Reason)
		require.Equal(t, time.Minute, closes[2].Age)

		c4, _, err := p.Get(ctx, h1Key)
		require.NoError(t, err)
		c4.Release()
		p.Close()
		closes = rec.closes()
		require.Len(t, closes, 4)
		require.Equal(t, event.CloseClient, closes[3].Reason)

		byOrigin := map[string]OriginStats{}
		for _, s := range p.OriginStats() {
			byOrigin[s.Origin.String()] = s
		}
		h1 := byOrigin["http://h1.example:80"]
		require.Equal(t, uint64(3), h1.Dials)
		require.Equal(t, uint64(3), h1.Requests)
		require.Equal(t, uint64(2), h1.Expired)
		require.Equal(t, uint64(1), h1.Closed[event.CloseIdleLimit])
		require.Equal(t, uint64(1), h1.Closed[event.CloseIdleTimeout])
		require.Equal(t, uint64(1), h1.Closed[event.CloseClient])
		require.Equal(t, uint64(1), byOrigin["https://h2.example:443"].Closed[event.ClosePeerGoAway])
	})
}

func TestEventsQueueWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{Events: rec.listener()})
		g := startGet(p, h1Key)
		synctest.Wait()
		require.Equal(t, event.ConnID(1), DialConnID(d.call(0).ctx), "the dial knows its conn's id")
		stats := p.OriginStats()
		require.Len(t, stats, 1)
		require.Equal(t, 1, stats[0].Waiting)
		require.Equal(t, 1, stats[0].Dialing)
		time.Sleep(3 * time.Second)
		d.call(0).succeed(false, 1)
		c := g.mustConn(t)

		rec.mu.Lock()
		require.Equal(t, []event.RequestQueued{{Origin: event.Origin{Scheme: "http", Addr: "h1.example:80"}, Waiting: 1}}, rec.queued)
		require.Len(t, rec.dequeued, 1)
		require.Equal(t, 3*time.Second, rec.dequeued[0].Wait)
		require.Equal(t, event.ConnID(1), rec.dequeued[0].Conn)
		require.NoError(t, rec.dequeued[0].Err)
		rec.mu.Unlock()

		// A second request waits for the busy conn and gives up.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _, err := p.Get(ctx, Key{Scheme: "http", Addr: "h1.example:80", Proxy: ""})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		c.Release()
		rec.mu.Lock()
		require.Len(t, rec.dequeued, 2)
		require.Equal(t, time.Second, rec.dequeued[1].Wait)
		require.ErrorIs(t, rec.dequeued[1].Err, context.DeadlineExceeded)
		rec.mu.Unlock()
	})
}

// BenchmarkGetReleaseEvents is BenchmarkGetRelease with a listener of
// every pool event installed: a request that finds a free conn fires none,
// so it must cost the same.
func BenchmarkGetReleaseEvents(b *testing.B) {
	rec := &recorder{}
	p := New(Config{Dial: h1Dialer().Dial, Events: rec.listener()})
	defer p.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, _, err := p.Get(ctx, h1Key)
		if err != nil {
			b.Fatal(err)
		}
		c.Release()
	}
}
