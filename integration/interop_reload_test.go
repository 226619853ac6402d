package integration

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/integration/realserver"
)

// serverLocks keep a reload apart from every other use of the same server:
// the protocols of one server share its processes, a reload under way must
// not be interrupted by another, and a test running beside a reload would
// see its connections drained (GOAWAY, closes) and measure the reload, not
// its own behaviour. Interop tests hold a server's lock for reading, the
// reload test for writing.
var serverLocks sync.Map // realserver.Kind -> *sync.RWMutex

func serverLock(k realserver.Kind) *sync.RWMutex {
	mu, _ := serverLocks.LoadOrStore(k, &sync.RWMutex{})
	return mu.(*sync.RWMutex)
}

// A graceful reload (nginx -s reload, Apache and h2o graceful restarts,
// HAProxy's soft stop, Caddy's config reload, Go's Shutdown) while GETs are
// in flight: the server tells clients to go elsewhere (GOAWAY or a
// connection close), and not one idempotent request fails.
func TestInteropGracefulReload(t *testing.T) {
	forEachTargetExclusive(t, "graceful reload", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		if !tg.srv.Caps.Reload {
			notApplicable(t, string(tg.srv.Kind)+" has no graceful reload")
		}

		var goaways atomic.Int64
		c := tg.client(t, plex.WithFrameTrace(func(e h2.FrameEvent) {
			if e.Dir == h2.Read && e.Type == "GOAWAY" {
				goaways.Add(1)
			}
		}))
		const workers, perWorker = 4, 150
		want := map[string]string{
			realserver.SmallFile: realserver.Sum(realserver.File(realserver.SmallFile)),
			realserver.File64K:   realserver.Sum(realserver.File(realserver.File64K)),
		}
		paths := []string{realserver.SmallFile, realserver.File64K}
		var done atomic.Int64
		reloadAt := make(chan struct{})
		var once sync.Once
		errs := make(chan error, workers*perWorker)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					p := paths[(w+i)%len(paths)]
					if err := fetchSum(c, tg.url+p, want[p]); err != nil {
						errs <- fmt.Errorf("request %d of worker %d: %w", i, w, err)
					}
					if done.Add(1) == workers*perWorker/4 {
						once.Do(func() { close(reloadAt) })
					}
				}
			})
		}
		<-reloadAt
		dialsBefore := c.Stats().Dials
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		require.NoError(t, tg.srv.Reload(ctx))
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "no idempotent request fails across a graceful reload")
		}
		// The reload should reach this client's connections: after it,
		// requests need a new connection. A server that keeps them is
		// noted, since the test then shows less.
		deadline := time.Now().Add(5 * time.Second)
		for c.Stats().Dials == dialsBefore && time.Now().Before(deadline) {
			require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want[realserver.SmallFile]))
		}
		if c.Stats().Dials == dialsBefore {
			noteInterop(t, string(tg.srv.Kind), string(tg.proto), "graceful reload",
				"%s kept this connection across the reload (no GOAWAY, no close)", tg.srv.Kind)
		}
		if tg.isH2() {
			t.Logf("GOAWAY frames read: %d", goaways.Load())
		}
	})
}
