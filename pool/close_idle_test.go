package pool

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

func TestCloseIdleClosesOnlyConnsWithNothingInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newTestPool(t, h1Dialer(), Config{})
		idle, _ := get(t, p, h1Key)
		busy, _ := get(t, p, h1Key)
		idle.Release()

		p.CloseIdle()
		synctest.Wait()
		require.True(t, idle.closed())
		require.False(t, busy.closed())
		s := p.Stats()
		require.Equal(t, 1, s.Conns)
		require.Equal(t, 0, s.IdleConns)
		require.Equal(t, uint64(0), s.Expired, "CloseIdle is not expiry")

		busy.Release()
		c, _ := get(t, p, h1Key)
		require.Same(t, busy, c)
	})
}
