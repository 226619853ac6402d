package integration

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
)

// manyStreams is how many GETs run at once on one HTTP/2 connection.
const manyStreams = 10000

// manyStreamsBody is each response's body: small, as in an RPC-style load.
const manyStreamsBody = "a small response body of a few dozen bytes\n"

const manyStreamsServerEnv = "PLEX_MANY_STREAMS_SERVER"

// TestManyStreamsServerProcess is not a test: run by
// startManyStreamsServer in a child process, it serves h2c with a stream
// limit above manyStreams, so that the parent's heap holds only the client.
func TestManyStreamsServerProcess(t *testing.T) {
	if os.Getenv(manyStreamsServerEnv) != "1" {
		t.Skip("the server half of TestH2ManyStreamsMemory, run in a child process")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(manyStreamsBody)))
			io.WriteString(w, manyStreamsBody)
		}),
		Protocols: &p,
		HTTP2:     &http.HTTP2Config{MaxConcurrentStreams: 2 * manyStreams},
	}
	go srv.Serve(ln)
	fmt.Printf("listening %s\n", ln.Addr())
	// The parent closes our stdin when it is done (or dies).
	io.Copy(io.Discard, os.Stdin)
	require.NoError(t, srv.Close())
}

// startManyStreamsServer runs TestManyStreamsServerProcess in a child
// process and returns its address.
func startManyStreamsServer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestManyStreamsServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), manyStreamsServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
		cancel()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			go io.Copy(io.Discard, stdout)
			return addr
		}
	}
	t.Fatalf("server process: no address (%v)", sc.Err())
	return ""
}

// manyStreamsResult is what one client's run of manyStreams GETs cost.
type manyStreamsResult struct {
	peakHeap uint64 // highest HeapAlloc sampled, less the heap before the run
	alloc    uint64 // bytes allocated during the run
	p50, p99 time.Duration
	conns    int
}

// runManyStreams runs manyStreams concurrent GETs of url through rt,
// sampling the heap as they go.
func runManyStreams(t *testing.T, rt http.RoundTripper, url string) manyStreamsResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	get := func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if string(b) != manyStreamsBody {
			return fmt.Errorf("body %q", b)
		}
		return nil
	}
	// The first request learns the server's stream limit.
	require.NoError(t, get())

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, baseAlloc := ms.HeapAlloc, ms.TotalAlloc
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var top uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			top = max(top, ms.HeapAlloc)
			select {
			case <-stop:
				peak <- top
				return
			case <-tick.C:
			}
		}
	}()

	lat := make([]time.Duration, manyStreams)
	errs := make([]error, manyStreams)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range manyStreams {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			errs[i] = get()
			lat[i] = time.Since(t0)
		})
	}
	close(start)
	wg.Wait()
	close(stop)
	top := <-peak
	runtime.ReadMemStats(&ms)
	for _, err := range errs {
		require.NoError(t, err)
	}
	slices.Sort(lat)
	return manyStreamsResult{peakHeap: top - min(top, base), alloc: ms.TotalAlloc - baseAlloc, p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
}

// heldStreamsHeap runs manyStreams concurrent GETs through rt, holds every
// response unread until all have arrived and settled() is true, and
// returns the live heap they take then, less the heap before.
func heldStreamsHeap(t *testing.T, rt http.RoundTripper, url string, settled func() bool) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	resps := make([]*http.Response, manyStreams)
	errs := make([]error, manyStreams)
	var wg sync.WaitGroup
	for i := range manyStreams {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err == nil {
				resps[i], err = rt.RoundTrip(req)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Eventually(t, settled, time.Minute, 10*time.Millisecond, "every response body arrived")
	runtime.GC()
	runtime.ReadMemStats(&ms)
	live := ms.HeapAlloc - min(ms.HeapAlloc, base)
	for _, resp := range resps {
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, manyStreamsBody, string(b))
		require.NoError(t, resp.Body.Close())
	}
	return live
}

// Ten thousand concurrent GETs of a small body on one connection to Go's
// h2c server, through plex and through x/net's http2.Transport in the same
// run. A stream's receive buffer is sized to what arrives, so the heap the
// run needs is a few KiB per stream: the requests, responses and streams
// themselves, not a 16 KiB chunk each.
func TestH2ManyStreamsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("10k concurrent streams")
	}
	addr := startManyStreamsServer(t)
	url := "http://" + addr + "/small"

	var conns int
	c, err := plex.New(plex.WithProtocols(plex.UnencryptedHTTP2), plex.WithDialContext(func(ctx context.Context, network, addr string) (net.Conn, error) {
		conns++ // dials are one at a time: the pool coalesces them
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}))
	require.NoError(t, err)
	defer c.Close()
	ours := runManyStreams(t, c, url)
	ours.conns = conns
	// The streams are closed (both sides ended) once the bodies are in.
	oursHeld := heldStreamsHeap(t, c, url, func() bool { return c.Stats().InFlight == 0 })
	require.NoError(t, c.Close())

	xconns := 0
	xt := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		xconns++
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	theirs := runManyStreams(t, xt, url)
	theirs.conns = xconns
	// x/net shows no stream state; the last few bodies may still be on
	// their way when its figure is taken.
	theirsHeld := heldStreamsHeap(t, xt, url, func() bool { return true })
	xt.CloseIdleConnections()

	for _, r := range []struct {
		name string
		manyStreamsResult
	}{{"plex", ours}, {"x/net", theirs}} {
		t.Logf("%-6s %d streams: peak heap %6.1f MiB (%5.0f B/stream), allocated %6.1f MiB (%5.0f B/stream), p50 %v, p99 %v, %d conn(s)", r.name, manyStreams,
			float64(r.peakHeap)/(1<<20), float64(r.peakHeap)/manyStreams, float64(r.alloc)/(1<<20), float64(r.alloc)/manyStreams, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.conns)
	}
	t.Logf("live heap with %d small bodies received and unread: plex %.1f MiB (%.0f B/stream), x/net %.1f MiB (%.0f B/stream)", manyStreams,
		float64(oursHeld)/(1<<20), float64(oursHeld)/manyStreams, float64(theirsHeld)/(1<<20), float64(theirsHeld)/manyStreams)
	require.Equal(t, 1, ours.conns, "every stream fits on one connection")
	// A stream's request, response and own state take a few KiB; a buffer
	// of a whole frame's size for each few dozen bytes received would take
	// 16 KiB more.
	require.Less(t, oursHeld/manyStreams, uint64(8<<10), "live heap per stream holding a small unread body")
}
