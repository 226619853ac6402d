package pool

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

const idleTimeout = 90 * time.Second

func TestIdleConnExpiresAtExactTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{IdleConnTimeout: idleTimeout})
		c, _ := get(t, p, h1Key)
		c.Release()

		time.Sleep(idleTimeout - time.Nanosecond)
		synctest.Wait()
		require.False(t, c.closed())
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.True(t, c.closed())
		s := p.Stats()
		require.Equal(t, 0, s.Conns)
		require.Equal(t, uint64(1), s.Expired)
	})
}

func TestIdleTimerRearmsForNextConn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{IdleConnTimeout: idleTimeout})
		c0, _ := get(t, p, h1Key)
		c1, _ := get(t, p, h1Key)
		c0.Release()
		time.Sleep(30 * time.Second)
		c1.Release()

		time.Sleep(idleTimeout - 30*time.Second)
		synctest.Wait()
		require.True(t, c0.closed())
		require.False(t, c1.closed())
		time.Sleep(30*time.Second - time.Nanosecond)
		synctest.Wait()
		require.False(t, c1.closed())
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.True(t, c1.closed())
	})
}

func TestReusedConnRestartsIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{IdleConnTimeout: idleTimeout})
		c, _ := get(t, p, h1Key)
		c.Release()
		time.Sleep(60 * time.Second)
		c2, _ := get(t, p, h1Key)
		require.Same(t, c, c2)
		c.Release()

		time.Sleep(idleTimeout - time.Nanosecond)
		synctest.Wait()
		require.False(t, c.closed(), "idle since the second release only")
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.True(t, c.closed())
	})
}

func TestBusyConnDoesNotExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{IdleConnTimeout: idleTimeout})
		c, _ := get(t, p, h1Key)
		time.Sleep(10 * idleTimeout)
		synctest.Wait()
		require.False(t, c.closed())
		require.Equal(t, uint64(0), p.Stats().Expired)
	})
}
