package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestMaxIdleConnsPerHostEvictsLeastRecentlyUsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{MaxIdleConnsPerHost: 2})
		c0, _ := get(t, p, h1Key)
		c1, _ := get(t, p, h1Key)
		c2, _ := get(t, p, h1Key)
		c0.Release()
		c1.Release()
		require.False(t, c0.closed())
		c2.Release()
		synctest.Wait()

		require.True(t, c0.closed(), "the least recently used idle conn goes")
		require.False(t, c1.closed())
		require.False(t, c2.closed())
		s := p.Stats()
		require.Equal(t, 2, s.IdleConns)
		require.Equal(t, uint64(1), s.Expired)
	})
}

func TestMaxIdleConnsEvictsLeastRecentlyUsedAcrossHosts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		other := Key{Scheme: "http", Addr: "other.example:80"}
		p := newTestPool(t, h1Dialer(), Config{MaxIdleConns: 2})
		a0, _ := get(t, p, h1Key)
		a1, _ := get(t, p, h1Key)
		b, _ := get(t, p, other)
		a0.Release()
		b.Release()
		a1.Release()
		synctest.Wait()

		require.True(t, a0.closed())
		require.False(t, b.closed())
		require.False(t, a1.closed())
		require.Equal(t, uint64(1), p.Stats().Expired)
	})
}

func TestDefaultMaxIdleConnsPerHostIsHundred(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{})
		cs := make([]*fakeConn, 101)
		for i := range cs {
			cs[i], _ = get(t, p, h1Key)
		}
		for _, c := range cs {
			c.Release()
		}
		synctest.Wait()
		require.True(t, cs[0].closed())
		require.Equal(t, 100, p.Stats().IdleConns)
	})
}
