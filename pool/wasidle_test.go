package pool

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// A multiplexed conn reports its last stream's end through its hook from
// its own reader goroutine, which may run after the next request already
// asked for a conn. That request must still hear that the conn was idle,
// and since when, as it would had the hook come first (and as net/http
// says, from the conn's own count of open streams).
func TestMultiplexedConnIdleBeforeItsHookRan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{})
		g := startGet(p, h2Key)
		synctest.Wait()
		c := d.call(0).succeed(true, 10)
		require.Same(t, c, g.mustConn(t))
		_, err := c.RoundTrip(nil)
		require.NoError(t, err)

		// The stream ends; the hook has not run yet.
		c.mu.Lock()
		c.active--
		c.settleLocked()
		c.mu.Unlock()
		ended := time.Now()
		time.Sleep(3 * time.Second)

		got, info := get(t, p, h2Key)
		require.Same(t, c, got)
		require.Equal(t, GotInfo{Conn: 1, Reused: true, WasIdle: true, IdleSince: ended}, info)
		c.fire() // the late hook changes nothing for the request under way

		// With a stream in flight the conn was not idle.
		got, info = get(t, p, h2Key)
		require.Same(t, c, got)
		require.Equal(t, GotInfo{Conn: 1, Reused: true}, info)
	})
}
