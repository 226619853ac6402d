package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/faults"
)

// faultSoakDuration is how long TestSoakFaultsNothingLostOrDuplicated
// runs: PLEX_SOAK (a Go duration, "5m" in CI) or a short default for a
// plain go test run.
func faultSoakDuration(t *testing.T) time.Duration {
	v := os.Getenv("PLEX_SOAK")
	if v == "" {
		return 10 * time.Second
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "PLEX_SOAK")
	require.Positive(t, d, "PLEX_SOAK")
	return d
}

// What the server may do to one execution of a request.
type serverFault int

const (
	faultNone        serverFault = iota
	faultDelay                   // answer after a short pause
	faultAbort                   // abort before the response head
	faultTruncate                // send half the body, then abort
	faultResetBefore             // TCP reset of the whole connection before answering
	faultResetMid                // TCP reset after half the body
	faultGoAway                  // answer, then close the connection (h1) or GOAWAY (h2)
	faultKinds
)

const (
	faultSoakWorkers = 16
	faultSoakMaxBody = 32 << 10
	soakIDHeader     = "X-Soak-Id"
)

type connKey struct{}

// execution is what the server saw of one request id.
type execution struct {
	runs atomic.Int32 // handler entries
}

// faultSoakServer serves GET and POST /?size=N with a body that names the
// request id, and injects faults at random into about a third of the
// executions. It counts executions per id.
type faultSoakServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	execs  map[string]*execution // guarded by mu
	faults [faultKinds]atomic.Int64
}

func (s *faultSoakServer) exec(id string) *execution {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.execs[id]
	if e == nil {
		e = &execution{}
		s.execs[id] = e
	}
	return e
}

func (s *faultSoakServer) runs(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.execs[id]; e != nil {
		return int(e.runs.Load())
	}
	return 0
}

// soakReply is the body for request id: it names the id, so a body
// delivered to the wrong request is caught, then size pattern bytes.
func soakReply(id string, size int) []byte {
	return append([]byte("id="+id+"\n"), soakPattern[:size]...)
}

func (s *faultSoakServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(soakIDHeader)
	s.exec(id).runs.Add(1)
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(r.Body)
		if err != nil || string(body) != "post "+id {
			// A torn upload: the client must see a failure.
			panic(http.ErrAbortHandler)
		}
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	fault := faultNone
	if rand.IntN(3) == 0 {
		fault = serverFault(1 + rand.IntN(int(faultKinds)-1))
	}
	s.faults[fault].Add(1)
	conn := r.Context().Value(connKey{}).(net.Conn)
	reply := soakReply(id, size)
	w.Header().Set(soakIDHeader, id)
	w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
	switch fault {
	case faultDelay:
		time.Sleep(time.Duration(rand.IntN(5000)) * time.Microsecond)
	case faultAbort:
		panic(http.ErrAbortHandler)
	case faultResetBefore:
		_ = faults.ResetConn(conn)
		return
	case faultTruncate, faultResetMid:
		_, _ = w.Write(reply[:len(reply)/2])
		w.(http.Flusher).Flush()
		if fault == faultResetMid {
			_ = faults.ResetConn(conn)
			return
		}
		panic(http.ErrAbortHandler)
	case faultGoAway:
		w.Header().Set("Connection", "close")
	}
	_, _ = w.Write(reply)
}

func startFaultSoakServer(t *testing.T, h2 bool) (*faultSoakServer, *plex.Client) {
	s := &faultSoakServer{execs: map[string]*execution{}}
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Config.ErrorLog = nil
	s.srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	// Idle connections close soon, so reuse races their closing (h1) or
	// the server's GOAWAY (h2).
	s.srv.Config.IdleTimeout = 20 * time.Millisecond
	opts := []plex.Option{plex.WithMaxConnsPerHost(8)}
	if h2 {
		s.srv.EnableHTTP2 = true
		s.srv.StartTLS()
		opts = append(opts, plex.WithTLSConfig(s.srv.Client().Transport.(*http.Transport).TLSClientConfig))
	} else {
		s.srv.Start()
		opts = append(opts, plex.WithProtocols(plex.HTTP1))
	}
	c, err := plex.New(opts...)
	require.NoError(t, err)
	return s, c
}

// soakOutcome is what the client saw of one request.
type soakOutcome struct {
	id       string
	method   string
	canceled bool   // the client gave the request a short deadline
	err      error  // nil: a response with the exact body arrived
	broken   error  // a response arrived that was not this request's, or not whole
	stats    string // the Client's stats when the request hung
}

var _ = registerSuite("TestSoakFaultsNothingLostOrDuplicated", TestSoakFaultsNothingLostOrDuplicated)

// TestSoakFaultsNothingLostOrDuplicated sends GETs and POSTs over HTTP/1.1
// and HTTP/2 for PLEX_SOAK while the server aborts, truncates, resets
// connections, closes them or sends GOAWAY, pauses, and closes idle
// connections under the client's feet. Every request must come back, with
// its own body, whole, or with an error; a POST must never run twice; and
// an error that does not say the request may have been processed must
// come from a request the server never ran.
func TestSoakFaultsNothingLostOrDuplicated(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	dur := faultSoakDuration(t)
	checks(t, "Soak", "nothing lost, duplicated or mis-delivered", fmt.Sprintf("%v of h1 and h2 GETs and POSTs under random resets, truncations, GOAWAYs, closes and delays", dur))
	type target struct {
		name string
		srv  *faultSoakServer
		c    *plex.Client
	}
	var targets []target
	for _, h2 := range []bool{false, true} {
		s, c := startFaultSoakServer(t, h2)
		name := map[bool]string{false: "h1", true: "h2"}[h2]
		targets = append(targets, target{name, s, c})
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, duration %v", seed, dur)

	outcomes := make([][]soakOutcome, len(targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range faultSoakWorkers {
		ti := w % len(targets)
		tg := targets[ti]
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var mine []soakOutcome
			for ctx.Err() == nil {
				mine = append(mine, faultSoakOne(tg.c, tg.srv.srv.URL, strconv.FormatInt(next.Add(1), 10), rng))
			}
			mu.Lock()
			outcomes[ti] = append(outcomes[ti], mine...)
			mu.Unlock()
		})
	}
	wg.Wait()

	for i, tg := range targets {
		require.NoError(t, tg.c.Close())
		tg.srv.srv.Close() // waits for every handler
		st := tg.c.Stats()
		var ok, failed, maybe int
		for _, o := range outcomes[i] {
			runs := tg.srv.runs(o.id)
			require.NoError(t, o.broken, tg.name)
			switch {
			case o.err == nil:
				ok++
				require.GreaterOrEqual(t, runs, 1, "%s: %s %s succeeded but never reached the server", tg.name, o.method, o.id)
			case errors.Is(o.err, plex.ErrMaybeProcessed):
				failed++
				maybe++
			default:
				failed++
				require.Zero(t, runs, "%s: %s %s failed with an error that says it was not processed, but it ran: %v", tg.name, o.method, o.id, o.err)
			}
			if o.method == http.MethodPost {
				require.LessOrEqual(t, runs, 1, "%s: POST %s ran %d times", tg.name, o.id, runs)
			}
			if o.err != nil && !o.canceled {
				// Every failure must be one the server caused: a timeout
				// here means a request hung.
				require.NotErrorIs(t, o.err, context.DeadlineExceeded, "%s: %s %s hung; stats then: %s", tg.name, o.method, o.id, o.stats)
			}
		}
		var injected []string
		for f := faultDelay; f < faultKinds; f++ {
			injected = append(injected, strconv.FormatInt(tg.srv.faults[f].Load(), 10))
		}
		t.Logf("%s: %d requests: %d ok, %d failed (%d maybe processed); %d retries, %d dials; faults injected (delay abort truncate reset-before reset-mid goaway) %v",
			tg.name, len(outcomes[i]), ok, failed, maybe, st.Retries, st.Dials, injected)
		require.Positive(t, ok, tg.name)
		require.Positive(t, failed, "%s: no fault reached the client", tg.name)
		require.Positive(t, st.Retries, "%s: no request was sent again", tg.name)
		for f := faultDelay; f < faultKinds; f++ {
			require.Positive(t, tg.srv.faults[f].Load(), "%s: fault %d never injected", tg.name, f)
		}
	}
}

// faultSoakOne sends one request and checks what came back: a body that
// is not exactly the one for this request, read without error, is a
// broken guarantee, never a failure of the request.
func faultSoakOne(c *plex.Client, base, id string, rng *rand.Rand) soakOutcome {
	o := soakOutcome{id: id, method: http.MethodGet}
	size := rng.IntN(faultSoakMaxBody)
	var body io.Reader
	if rng.IntN(3) == 0 {
		o.method = http.MethodPost
		body = bytes.NewReader([]byte("post " + id))
	}
	// A generous bound: a request still running after it has hung.
	timeout := 30 * time.Second
	if rng.IntN(20) == 0 {
		o.canceled = true
		timeout = time.Duration(rng.IntN(3000)) * time.Microsecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, o.method, base+"/?size="+strconv.Itoa(size), body)
	if err != nil {
		o.err = err
		return o
	}
	req.Header.Set(soakIDHeader, id)
	resp, err := c.RoundTrip(req)
	if err != nil {
		o.err = err
		if !o.canceled && errors.Is(err, context.DeadlineExceeded) {
			o.stats = fmt.Sprintf("%+v", c.Stats())
		}
		return o
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		// The response was cut: the request reached the server.
		o.err = fmt.Errorf("%w: reading body: %w", plex.ErrMaybeProcessed, err)
	case resp.Header.Get(soakIDHeader) != id || !bytes.Equal(got, soakReply(id, size)):
		o.broken = fmt.Errorf("request %s got the response of %q (%d bytes, want %d): mis-delivered or corrupted",
			id, resp.Header.Get(soakIDHeader), len(got), len(soakReply(id, size)))
	}
	return o
}
