package pool

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// A conn that detaches itself (an HTTP/1.1 conn after 101 Switching
// Protocols) leaves the pool while its exchange is still under way: it is
// neither counted nor closed by CloseIdle or Close, and no longer holds a
// place under MaxConnsPerHost.
func TestDetachedConnLeavesPoolOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := h1Dialer()
		p := newTestPool(t, d, Config{MaxConnsPerHost: 1})
		c0, _ := get(t, p, h1Key)
		_, err := c0.RoundTrip(&http.Request{})
		require.NoError(t, err)
		require.Equal(t, 1, p.Stats().Conns)

		c0.detach()
		require.Equal(t, Stats{Dials: 1}, p.Stats(), "the detached conn is not counted")

		c1, _ := get(t, p, h1Key)
		require.NotSame(t, c0, c1, "a new conn was dialed within the limit")
		c1.Release()

		p.CloseIdle()
		require.True(t, c1.closed())
		require.NoError(t, p.Close())
		require.False(t, c0.closed(), "the pool never closes a detached conn")

		c0.finish() // its new owner ends the exchange; the pool ignores the hook
		require.False(t, c0.closed())
	})
}
