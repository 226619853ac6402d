package integration

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// Servers cap the requests one connection may carry (nginx sends
// GOAWAY(NO_ERROR) or Connection: close after 1000): 2500 GETs all succeed
// as the client moves to new connections. HTTP/2 multiplexes four workers on
// one connection; HTTP/1.1 sends them one after another, also on one.
func TestInteropManyRequests(t *testing.T) {
	forEachTarget(t, "2500 requests", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		c := tg.client(t)
		const total = 2500
		workers := 1
		if tg.isH2() {
			workers = 4
		}
		perWorker := total / workers
		want := realserver.Sum(realserver.File(realserver.SmallFile))
		errs := make(chan error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range perWorker {
					if err := fetchSum(c, tg.url+realserver.SmallFile, want); err != nil {
						errs <- fmt.Errorf("request %d of worker %d: %w", i, w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		st := c.Stats()
		if tg.srv.Kind == realserver.Nginx {
			// 2500 requests over connections of at most 1000 each.
			require.GreaterOrEqual(t, st.Dials, uint64(3), "nginx's 1000-request limit was not met")
		}
		t.Logf("%d connection(s) dialed", st.Dials)
	})
}
