package integration

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/integration/realserver"
)

// streamWatch follows the frame trace: the server's announced
// SETTINGS_MAX_CONCURRENT_STREAMS and, for a client with one connection,
// the most streams open at once.
//
// mu guards every field.
type streamWatch struct {
	mu      sync.Mutex
	limit   int // last announced; -1 until a SETTINGS frame carries it
	open    map[uint32]bool
	maxOpen int
	goaways []string // summaries of the GOAWAY frames read
}

func newStreamWatch() *streamWatch { return &streamWatch{limit: -1, open: map[uint32]bool{}} }

func (w *streamWatch) frame(e h2.FrameEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case e.Dir == h2.Read && e.Type == "SETTINGS":
		for _, f := range strings.Fields(e.Summary) {
			if v, ok := strings.CutPrefix(f, "MAX_CONCURRENT_STREAMS="); ok {
				w.limit, _ = strconv.Atoi(v)
			}
		}
	case e.Dir == h2.Written && e.Type == "HEADERS" && e.StreamID != 0:
		if !w.open[e.StreamID] {
			w.open[e.StreamID] = true
			w.maxOpen = max(w.maxOpen, len(w.open))
		}
	case e.Dir == h2.Read && e.Type == "GOAWAY":
		w.goaways = append(w.goaways, e.Summary)
	case e.Type == "RST_STREAM",
		e.Dir == h2.Read && (e.Type == "DATA" || e.Type == "HEADERS") && strings.Contains(e.Summary, "end_stream"):
		delete(w.open, e.StreamID)
	}
}

func (w *streamWatch) get() (limit, maxOpen int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limit, w.maxOpen
}

// Many more concurrent requests than the server's
// SETTINGS_MAX_CONCURRENT_STREAMS all succeed: strict mode queues them on
// one connection and never opens more streams than allowed; default mode
// may open more connections.
func TestInteropStreamsPastServerLimit(t *testing.T) {
	for _, strict := range []bool{true, false} {
		behaviour := "streams past limit (default)"
		if strict {
			behaviour = "streams past limit (strict)"
		}
		t.Run(fmt.Sprintf("strict=%v", strict), func(t *testing.T) {
			forEachTarget(t, behaviour, []realserver.Proto{realserver.H2, realserver.H2C}, func(t *testing.T, tg *interopTarget) {
				w := newStreamWatch()
				c := tg.client(t, plex.WithStrictMaxConcurrentStreams(strict), plex.WithFrameTrace(w.frame))
				// The first request learns the limit from the server's SETTINGS.
				get(t, c, tg.url+realserver.SmallFile)
				limit, _ := w.get()
				require.Positive(t, limit, "server announced no SETTINGS_MAX_CONCURRENT_STREAMS")
				n := 2*limit + 10
				errs := make(chan error, n)
				start := make(chan struct{})
				var wg sync.WaitGroup
				want := realserver.Sum(realserver.File(realserver.File64K))
				for range n {
					wg.Go(func() {
						<-start
						errs <- fetchSum(c, tg.url+realserver.File64K, want)
					})
				}
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				_, maxOpen := w.get()
				st := c.Stats()
				if strict {
					// A connection the server ends (a GOAWAY, such as
					// the idle timeout's when the burst starts late on a
					// loaded machine) is the one reason to dial again.
					w.mu.Lock()
					goaways := slices.Clone(w.goaways)
					w.mu.Unlock()
					require.EqualValues(t, 1+len(goaways), st.Dials,
						"strict mode keeps to one connection while the server keeps it; GOAWAYs read: %q", goaways)
					require.LessOrEqual(t, maxOpen, limit, "more streams open than the server allows")
					require.Greater(t, maxOpen, 1, "requests were not multiplexed")
				}
				noteInterop(t, string(tg.srv.Kind), string(tg.proto), behaviour,
					"%s announces SETTINGS_MAX_CONCURRENT_STREAMS=%d; %d concurrent requests", tg.srv.Kind, limit, n)
				t.Logf("%d connection(s), at most %d streams open at once on one", st.Dials, maxOpen)
			})
		})
	}
}

// fetchSum GETs url and checks the body's sha256.
func fetchSum(c *plex.Client, url, want string) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	if got := sum(body); got != want {
		return fmt.Errorf("%s: body sha256 %s, want %s", url, got, want)
	}
	return nil
}
