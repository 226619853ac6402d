package integration

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

func TestMaxConnsPerHostBoundsConnections(t *testing.T) {
	var active, peak atomic.Int64
	gate := make(chan struct{})
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
		io.WriteString(w, "ok")
	}))
	c := newClient(t, s, plex.WithMaxConnsPerHost(3))
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := send(c, http.MethodGet, s.URL+"/", "")
			errs <- err
		})
	}
	// Every request is either on one of the three connections or queued.
	require.Eventually(t, func() bool {
		st := c.Stats()
		return active.Load() == 3 && st.Waiting == n-3
	}, 10*time.Second, time.Millisecond)
	// Let requests through one at a time: the three connections carry all twenty.
	for range n {
		gate <- struct{}{}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 3, s.conns.Load())
	require.LessOrEqual(t, peak.Load(), int64(3))
	st := c.Stats()
	require.Equal(t, 3, st.HTTP1Conns)
	require.Zero(t, st.Waiting)
	require.Zero(t, st.InFlight)
}
