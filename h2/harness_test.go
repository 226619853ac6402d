package h2

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// harness is a ClientConn talking to a scripted peer over memconn. It must
// be built inside a synctest bubble.
type harness struct {
	t       *testing.T
	cc      *ClientConn
	p       *h2peer.Peer
	changes atomic.Int32
}

// newHarness connects and completes the SETTINGS exchange with the given
// server settings.
func newHarness(t *testing.T, cfg *Config, settings ...http2.Setting) *harness {
	h := newHarnessNoHandshake(t, cfg)
	h.p.Handshake(settings...)
	return h
}

func newHarnessNoHandshake(t *testing.T, cfg *Config) *harness {
	t.Helper()
	c, s := memconn.Pipe()
	h := &harness{t: t}
	cc, err := NewClientConn(c, cfg, nil, func() { h.changes.Add(1) })
	require.NoError(t, err)
	h.cc = cc
	h.p = h2peer.New(t, s)
	t.Cleanup(func() {
		cc.Close()
		s.Close()
	})
	return h
}

type rtResult struct {
	resp *http.Response
	err  error
}

// roundTrip runs RoundTrip on its own goroutine.
func (h *harness) roundTrip(req *http.Request) <-chan rtResult {
	ch := make(chan rtResult, 1)
	go func() {
		resp, err := h.cc.RoundTrip(req)
		ch <- rtResult{resp, err}
	}()
	return ch
}

// result returns the finished RoundTrip's result, failing if it is still
// running once the bubble is idle.
func (h *harness) result(ch <-chan rtResult) rtResult {
	h.t.Helper()
	synctest.Wait()
	select {
	case r := <-ch:
		return r
	default:
		h.t.Fatal("RoundTrip still running")
		return rtResult{}
	}
}

// wantPending checks that RoundTrip has not returned.
func (h *harness) wantPending(ch <-chan rtResult) {
	h.t.Helper()
	synctest.Wait()
	select {
	case r := <-ch:
		h.t.Fatalf("RoundTrip returned early: %v %v", r.resp, r.err)
	default:
	}
}

func get(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	return req
}

func getCtx(t *testing.T, ctx context.Context, url string) *http.Request {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	return req
}

func post(t *testing.T, url string, body []byte) *http.Request {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	require.NoError(t, err)
	return req
}

// readAll reads a body on its own goroutine and returns the outcome once
// the bubble is idle.
func readAllAsync(r io.Reader) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		b, err := io.ReadAll(r)
		ch <- readResult{b, err}
	}()
	return ch
}

type readResult struct {
	data []byte
	err  error
}

func runSynctest(t *testing.T, f func(t *testing.T)) {
	synctest.Test(t, f)
}
