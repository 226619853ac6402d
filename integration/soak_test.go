package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// Soak bounds: the run stops after soakRequests requests or soakDuration,
// whichever comes first.
const (
	soakRequests = 600
	soakWorkers  = 8
	soakDuration = 20 * time.Second
	soakMaxBody  = 128 << 10
)

// soakFault is what the server does to one response.
type soakFault int

const (
	soakNone       soakFault = iota
	soakAbortFirst           // abort before writing anything
	soakAbortMid             // write half the body, then abort
	soakCount
)

// soakHandler serves /?size=N&fault=F with pattern bytes and a
// Content-Length, so any truncation is detectable.
func soakHandler(w http.ResponseWriter, r *http.Request) {
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	fault, _ := strconv.Atoi(r.URL.Query().Get("fault"))
	body := soakBody(size)
	if soakFault(fault) == soakAbortFirst {
		panic(http.ErrAbortHandler)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if soakFault(fault) == soakAbortMid {
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}
	_, _ = w.Write(body)
}

var soakPattern = pattern(soakMaxBody)

func soakBody(n int) []byte { return soakPattern[:n] }

// soakTarget is one server and a Client speaking one protocol to it.
type soakTarget struct {
	name   string
	srv    *httptest.Server
	client *plex.Client
	active atomic.Int64 // server connections open now
}

func newSoakTarget(t *testing.T, name string) *soakTarget {
	st := &soakTarget{name: name, srv: httptest.NewUnstartedServer(http.HandlerFunc(soakHandler))}
	st.srv.Config.ErrorLog = nil
	st.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			st.active.Add(1)
		case http.StateClosed, http.StateHijacked:
			st.active.Add(-1)
		}
	}
	var opts []plex.Option
	switch name {
	case "h1":
		st.srv.Start()
		opts = append(opts, plex.WithProtocols(plex.HTTP1))
	case "h2":
		st.srv.EnableHTTP2 = true
		st.srv.StartTLS()
		opts = append(opts, plex.WithTLSConfig(st.srv.Client().Transport.(*http.Transport).TLSClientConfig))
	case "h2c":
		st.srv.Config.Protocols = new(http.Protocols)
		st.srv.Config.Protocols.SetUnencryptedHTTP2(true)
		st.srv.Start()
		opts = append(opts, plex.WithProtocols(plex.UnencryptedHTTP2))
	}
	c, err := plex.New(opts...)
	require.NoError(t, err)
	st.client = c
	return st
}

type soakStats struct {
	ok, failed, canceled, faulted atomic.Int64
}

var _ = registerSuite("TestSoakMixedProtocolsWithFaults", TestSoakMixedProtocolsWithFaults)

// TestSoakMixedProtocolsWithFaults sends a bounded, seeded mix of requests
// over HTTP/1.1, HTTP/2 and h2c with random cancellations and server
// faults. Every successful body is checked byte for byte, every fault must
// surface as an error, and once the clients are closed no goroutine,
// connection or heap growth may remain.
func TestSoakMixedProtocolsWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	checks(t, "Soak", "nothing lost, nothing hangs", fmt.Sprintf("%d mixed h1/h2/h2c requests with random faults and cancellations: no corruption, no leak", soakRequests))
	goroutines, heap := runtime.NumGoroutine(), heapInUse()
	targets := []*soakTarget{newSoakTarget(t, "h1"), newSoakTarget(t, "h2"), newSoakTarget(t, "h2c")}
	ctx, cancel := context.WithTimeout(context.Background(), soakDuration)
	defer cancel()
	var stats soakStats
	var next atomic.Int64
	var wg sync.WaitGroup
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for w := range soakWorkers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			for ctx.Err() == nil && next.Add(1) <= soakRequests {
				if err := soakOne(ctx, targets[rng.IntN(len(targets))], rng, &stats); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "the soak did not finish in %v", soakDuration)
	t.Logf("ok %d, faulted %d, canceled %d, failed %d", stats.ok.Load(), stats.faulted.Load(), stats.canceled.Load(), stats.failed.Load())
	require.Positive(t, stats.ok.Load())

	for _, st := range targets {
		require.NoError(t, st.client.Close())
	}
	for _, st := range targets {
		require.Eventually(t, func() bool { return st.active.Load() == 0 }, 5*time.Second, 10*time.Millisecond, "%s: server connections still open", st.name)
		st.srv.Close()
	}
	if !waitGoroutines(goroutines, 5*time.Second) {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before, %d after:\n%s", goroutines, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
	}
	require.Less(t, heapInUse(), heap+32<<20, "heap grew by more than 32 MiB")
}

// soakOne sends one request and checks its outcome against what the
// server was told to do. It returns an error only for a broken guarantee.
func soakOne(ctx context.Context, st *soakTarget, rng *rand.Rand, stats *soakStats) error {
	size := rng.IntN(soakMaxBody)
	fault := soakNone
	if rng.IntN(5) == 0 {
		fault = soakFault(1 + rng.IntN(int(soakCount)-1))
	}
	reqCtx := ctx
	canceled := rng.IntN(10) == 0
	if canceled {
		var cancel context.CancelFunc
		reqCtx, cancel = context.WithTimeout(ctx, time.Duration(rng.IntN(2000))*time.Microsecond)
		defer cancel()
	}
	url := fmt.Sprintf("%s/?size=%d&fault=%d", st.srv.URL, size, fault)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	body, err := func() ([]byte, error) {
		resp, err := st.client.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}()
	switch {
	case err == nil && fault != soakNone:
		return fmt.Errorf("%s: fault %d on %d bytes reported as success with %d bytes", st.name, fault, size, len(body))
	case err == nil && sum(body) != sum(soakBody(size)):
		return fmt.Errorf("%s: body of %d bytes corrupted (%d bytes read)", st.name, size, len(body))
	case err == nil:
		stats.ok.Add(1)
	case canceled && errors.Is(err, context.DeadlineExceeded):
		stats.canceled.Add(1)
	case fault != soakNone:
		stats.faulted.Add(1)
	default:
		stats.failed.Add(1)
		return fmt.Errorf("%s: clean request of %d bytes failed: %w", st.name, size, err)
	}
	return nil
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// waitGoroutines reports whether the goroutine count fell to at most n
// within d; goroutines that were told to stop may need a moment to return.
func waitGoroutines(n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
