package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runJSON runs the command with -o json and decodes its output.
func runJSON(t *testing.T, args ...string) ([]jsonResult, int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"-o", "json"}, args...), &out, &errOut)
	var rs []jsonResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &rs), "output:\n%s\nstderr:\n%s", out.String(), errOut.String())
	return rs, code, errOut.String()
}

func TestLoadMakesExactlyTheRequestCount(t *testing.T) {
	var seen atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen.Add(1)
		io.WriteString(w, "hello")
	}))
	defer s.Close()
	rs, code, _ := runJSON(t, "-n", "37", "-c", "3", "-m", "2", s.URL)
	require.Equal(t, exitOK, code)
	require.Len(t, rs, 1)
	require.Equal(t, int64(37), rs[0].Done)
	require.Equal(t, int64(37), seen.Load())
	require.Equal(t, int64(37*5), rs[0].BytesIn)
	require.Equal(t, map[string]int64{"200": 37}, rs[0].Status)
	// At most one connection per -c; a client whose workers found the
	// request count used up before they started dials none.
	require.LessOrEqual(t, rs[0].Connections, 3, "one connection per -c")
	require.Positive(t, rs[0].Connections)
	require.Equal(t, "HTTP/1.1", rs[0].Protocol)
}

func TestHeadersHostAndBodyReachTheServer(t *testing.T) {
	type seenReq struct {
		method, host, header string
		body                 int
	}
	var mu sync.Mutex
	var got []seenReq
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, seenReq{r.Method, r.Host, r.Header.Get("X-Test"), int(n)})
		mu.Unlock()
	}))
	defer s.Close()
	rs, code, _ := runJSON(t, "-n", "4", "-c", "2", "-H", "X-Test: yes", "-H", "Host: example.test", "-body-size", "100", s.URL)
	require.Equal(t, exitOK, code)
	require.Equal(t, int64(400), rs[0].BytesOut)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 4)
	for _, r := range got {
		require.Equal(t, seenReq{"POST", "example.test", "yes", 100}, r)
	}
}

func TestStatusCodesAreCountedNotFailed(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer s.Close()
	rs, code, _ := runJSON(t, "-n", "10", "-c", "1", s.URL)
	require.Equal(t, exitOK, code)
	require.Equal(t, map[string]int64{"503": 10}, rs[0].Status)
	require.Zero(t, rs[0].Failed)
}

func TestH2StreamsShareTheConnectionsOfC(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hi")
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	defer s.Close()
	rs, code, stderr := runJSON(t, "--h2", "-k", "-n", "200", "-c", "2", "-m", "8", s.URL)
	require.Equal(t, exitOK, code, stderr)
	require.Equal(t, "HTTP/2.0", rs[0].Protocol)
	require.Equal(t, 2, rs[0].Connections)
	require.Equal(t, int64(200), rs[0].Done)
}

func TestTextReportShowsPercentilesAndHistogram(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer s.Close()
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "50", "-c", "2", s.URL}, &out, &errOut)
	require.Equal(t, exitOK, code)
	for _, want := range []string{"50 done, 0 failed", "protocol HTTP/1.1 over 2 connection(s)", "status:      50× 200", "p50 ", "p99.9 ", "█"} {
		require.Contains(t, out.String(), want)
	}
}

func TestUnreachableTargetEndsWithErrorSummary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "5", "-c", "1", "http://" + addr + "/"}, &out, &errOut)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errOut.String(), "every request failed: 5× dial error (connection refused)")
}

func TestSilentServerEndsByTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close() // accepts (the kernel backlog does) but never answers
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "2", "-c", "1", "-timeout", "50ms", "http://" + ln.Addr().String() + "/"}, &out, &errOut)
	require.Equal(t, exitFailed, code)
	require.Contains(t, errOut.String(), "2× timeout")
}

func TestInterruptPrintsWhatWasMeasured(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 20 {
			cancel() // the user presses Ctrl-C
		}
	}))
	defer s.Close()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-o", "json", "-d", "1h", "-c", "2", s.URL}, &out, &errOut)
	require.Equal(t, exitInterrupted, code)
	require.Contains(t, errOut.String(), "interrupted")
	var rs []jsonResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &rs))
	require.True(t, rs[0].Interrupted)
	// With two in flight, the 19th and 20th may both be cut off by the
	// interrupt; every earlier one was measured.
	require.GreaterOrEqual(t, rs[0].Done, int64(18))
}

func TestDurationBoundsTheRun(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer s.Close()
	start := time.Now()
	rs, code, _ := runJSON(t, "-d", "100ms", "-c", "1", s.URL)
	require.Equal(t, exitOK, code)
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	require.False(t, rs[0].Interrupted)
	require.Positive(t, rs[0].Done)
}

func TestRateLimitsTheLoad(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer s.Close()
	start := time.Now()
	rs, code, _ := runJSON(t, "-n", "11", "-c", "4", "-rate", "100", s.URL)
	require.Equal(t, exitOK, code)
	require.Equal(t, int64(11), rs[0].Done)
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "11 requests at 100/s take at least 100 ms")
}
