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
	"github.com/plexhttp/plex/h2"
)

// startLimited starts Go's HTTP/2 server allowing few concurrent streams;
// its handler holds every request until release is closed.
func startLimited(t *testing.T, streams uint32, active *atomic.Int64, release chan struct{}) *goServer {
	t.Helper()
	s := newGoServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		<-release
		io.WriteString(w, "ok")
	}))
	s.EnableHTTP2 = true
	s.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: int(streams)}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// burst sends n GETs at once and returns a func that waits for them and
// checks they all succeeded.
func burst(t *testing.T, c *plex.Client, url string, n int) func() {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			body, err := send(c, http.MethodGet, url, "")
			if err == nil && body != "ok" {
				err = io.ErrUnexpectedEOF
			}
			errs <- err
		})
	}
	return func() {
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
}

func TestStrictModeWaitsForStreamSlots(t *testing.T) {
	var active atomic.Int64
	release := make(chan struct{})
	s := startLimited(t, 5, &active, release)
	c := newClient(t, s, plex.WithStrictMaxConcurrentStreams(true))
	wait := burst(t, c, s.URL+"/", 20)
	require.Eventually(t, func() bool {
		st := c.Stats()
		return active.Load() == 5 && st.Waiting == 15
	}, 10*time.Second, time.Millisecond, "five streams run, fifteen requests wait for a slot")
	close(release)
	wait()
	require.EqualValues(t, 1, s.conns.Load(), "strict mode never opens a second connection")
	require.Equal(t, 1, c.Stats().HTTP2Conns)
}

func TestDefaultModeOpensConnectionsWithinLimit(t *testing.T) {
	var active atomic.Int64
	release := make(chan struct{})
	s := startLimited(t, 5, &active, release)
	c := newClient(t, s, plex.WithMaxConnsPerHost(3))
	wait := burst(t, c, s.URL+"/", 20)
	require.Eventually(t, func() bool {
		st := c.Stats()
		return active.Load() == 15 && st.Waiting == 5 && st.HTTP2Conns == 3
	}, 10*time.Second, time.Millisecond, "three connections of five streams each; the rest wait")
	close(release)
	wait()
	require.EqualValues(t, 3, s.conns.Load())
}

func TestFrameTraceSeesTheExchange(t *testing.T) {
	s := startGo(t, bodyHandler(), "h2", "http/1.1")
	var mu sync.Mutex
	var seen []string
	c := newClient(t, s, plex.WithFrameTrace(func(e h2.FrameEvent) {
		mu.Lock()
		defer mu.Unlock()
		dir := "read"
		if e.Dir == h2.Written {
			dir = "wrote"
		}
		seen = append(seen, dir+" "+e.Type)
	}))
	_, body := get(t, c, s.URL+"/blob/10")
	require.Len(t, body, 10)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, seen, "wrote SETTINGS")
	require.Contains(t, seen, "read SETTINGS")
	require.Contains(t, seen, "wrote HEADERS")
	require.Contains(t, seen, "read HEADERS")
	require.Contains(t, seen, "read DATA")
}
