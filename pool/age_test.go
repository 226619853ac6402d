package pool

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/event"
	"github.com/stretchr/testify/require"
)

const maxAge = time.Minute

// closedBy returns how many conns of key's origin closed for why.
func closedBy(p *Pool, key Key, why event.CloseReason) uint64 {
	for _, o := range p.OriginStats() {
		if o.Origin == originOf(key) {
			return o.Closed[why]
		}
	}
	return 0
}

func TestMaxConnAgeRetiresMultiplexedConnAfterItsStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var closed []event.ConnClosed
		ev := &event.Listener{ConnClosed: func(e event.ConnClosed) { closed = append(closed, e) }}
		d := h2Dialer(10)
		p := newTestPool(t, d, Config{MaxConnAge: maxAge, Events: ev})
		c0, _ := get(t, p, h2Key)
		_, err := c0.RoundTrip(nil)
		require.NoError(t, err)

		// Before the age less its largest jitter, the same conn serves.
		time.Sleep(maxAge - maxAge/10 - time.Nanosecond)
		same, _ := get(t, p, h2Key)
		require.Same(t, c0, same)
		same.Release()

		// Past the full age it is retired: a new conn serves, the old one
		// stays open while its stream is under way.
		time.Sleep(maxAge/10 + time.Nanosecond)
		c1, _ := get(t, p, h2Key)
		require.NotSame(t, c0, c1)
		require.Equal(t, 2, d.numCalls())
		synctest.Wait()
		require.False(t, c0.closed(), "closed with a stream in flight")

		c0.finish()
		synctest.Wait()
		require.True(t, c0.closed())
		require.Equal(t, uint64(1), closedBy(p, h2Key, event.CloseMaxAge))
		require.Len(t, closed, 1)
		require.Equal(t, event.CloseMaxAge, closed[0].Reason)
		require.Equal(t, "max_age", closed[0].Reason.String())
		c1.Release()
	})
}

func TestMaxConnAgeClosesIdleConnWhenNextLookedAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnAge: maxAge})
		c0, _ := get(t, p, h1Key)
		c0.Release()
		time.Sleep(maxAge)
		c1, _ := get(t, p, h1Key)
		require.NotSame(t, c0, c1)
		synctest.Wait()
		require.True(t, c0.closed())
		require.Equal(t, uint64(1), closedBy(p, h1Key, event.CloseMaxAge))
		c1.Release()
	})
}

func TestNoMaxConnAgeKeepsConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h2Dialer(10)
		p := newTestPool(t, d, Config{})
		c0, _ := get(t, p, h2Key)
		c0.Release()
		time.Sleep(24 * time.Hour)
		c1, _ := get(t, p, h2Key)
		require.Same(t, c0, c1)
		c1.Release()
		require.Equal(t, 1, d.numCalls())
	})
}

func TestMaxConnRequestsRetiresH1Conn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 10 // jitter of up to a tenth: 9 or 10 requests
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnRequests: limit})
		first, _ := get(t, p, h1Key)
		first.Release()
		n := 1
		for ; n <= limit; n++ {
			c, _ := get(t, p, h1Key)
			c.Release()
			if c != first {
				break
			}
		}
		require.Contains(t, []int{9, 10}, n, "requests the first conn carried")
		synctest.Wait()
		require.True(t, first.closed())
		require.Equal(t, uint64(1), closedBy(p, h1Key, event.CloseMaxRequests))
	})
}

func TestMaxConnRequestsJitterStaysWithinATenth(t *testing.T) {
	seen := map[int64]bool{}
	for range 1000 {
		j := jitter(100)
		require.GreaterOrEqual(t, j, int64(0))
		require.LessOrEqual(t, j, int64(10))
		seen[j] = true
	}
	require.Greater(t, len(seen), 5, "jitter takes several values")
	require.Zero(t, jitter(9))
}

func TestValidateRefusesNegativeRetirementLimits(t *testing.T) {
	err := (&Config{MaxConnAge: -time.Second, MaxConnRequests: -1}).Validate()
	require.ErrorContains(t, err, "MaxConnAge -1s is negative")
	require.ErrorContains(t, err, "MaxConnRequests -1 is negative")
}
