package pool

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// Many goroutines sharing a small pool must leave no reservation behind and
// never exceed MaxConnsPerHost, whatever the interleaving.
func TestConcurrentGetsKeepLimitsAndAccounting(t *testing.T) {
	for _, bc := range []struct {
		name string
		d    *fakeDialer
		key  Key
	}{
		{"h1", h1Dialer(), h1Key},
		{"h2", h2Dialer(2), h2Key},
	} {
		t.Run(bc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const maxConns = 3
				p := New(Config{Dial: bc.d.Dial, MaxConnsPerHost: maxConns})
				defer p.Close()
				var wg sync.WaitGroup
				for g := range 16 {
					wg.Go(func() {
						for i := range 200 {
							ctx, cancel := context.WithCancel(context.Background())
							if (g+i)%7 == 0 {
								cancel() // some give up at once, or while waiting
							}
							c, _, err := p.Get(ctx, bc.key)
							cancel()
							if err != nil {
								continue
							}
							fc := c.(*fakeConn)
							if i%2 == 0 {
								c.Release()
								continue
							}
							if _, err := c.RoundTrip(nil); err != nil {
								t.Error(err)
								return
							}
							fc.finish()
						}
					})
				}
				wg.Wait()
				synctest.Wait() // dials started for waiters that gave up finish too
				s := p.Stats()
				require.Equal(t, 0, s.InFlight)
				require.Equal(t, 0, s.Waiting)
				require.Equal(t, 0, s.Dialing)
				require.LessOrEqual(t, s.Conns, maxConns)
				require.LessOrEqual(t, bc.d.numCalls(), maxConns)
				bc.d.mu.Lock()
				defer bc.d.mu.Unlock()
				for _, c := range bc.d.conns {
					require.Equal(t, 0, c.InFlight())
				}
			})
		})
	}
}
