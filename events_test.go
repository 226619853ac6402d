package plex

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// eventLog records every event a Client fires, in order, by kind.
type eventLog struct {
	mu       sync.Mutex
	kinds    []string
	dials    []DialDone
	tlss     []TLSDone
	opened   []ConnOpened
	acq      []ConnAcquired
	rel      []ConnReleased
	closed   []ConnClosed
	goaway   []GoAwayReceived
	resets   []StreamReset
	retry    []RetryDecided
	done     []RequestDone
	closedCh chan ConnClosed
}

func newEventLog() *eventLog { return &eventLog{closedCh: make(chan ConnClosed, 16)} }

func record[E any](l *eventLog, kind string, to *[]E) func(E) {
	return func(e E) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.kinds = append(l.kinds, kind)
		*to = append(*to, e)
	}
}

func (l *eventLog) listener() *EventListener {
	return &EventListener{
		DialStart:    func(DialStart) { l.mu.Lock(); l.kinds = append(l.kinds, "dial_start"); l.mu.Unlock() },
		DialDone:     record(l, "dial_done", &l.dials),
		TLSDone:      record(l, "tls_done", &l.tlss),
		ConnOpened:   record(l, "opened", &l.opened),
		ConnAcquired: record(l, "acquired", &l.acq),
		ConnReleased: record(l, "released", &l.rel),
		ConnClosed: func(e ConnClosed) {
			record(l, "closed", &l.closed)(e)
			l.closedCh <- e
		},
		GoAwayReceived: record(l, "goaway", &l.goaway),
		StreamReset:    record(l, "reset", &l.resets),
		RetryDecided:   record(l, "retry", &l.retry),
		RequestDone:    record(l, "done", &l.done),
	}
}

func (l *eventLog) waitClosed(t *testing.T) ConnClosed {
	t.Helper()
	select {
	case e := <-l.closedCh:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no ConnClosed within 10s")
		return ConnClosed{}
	}
}

func (l *eventLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.kinds...)
}

func eventsServer(t *testing.T, h2 bool, h http.Handler) (*httptest.Server, *tls.Config) {
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = h2
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
}

func get(t *testing.T, c *Client, url string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
}

// TestEventsConnLifecycle follows one connection per protocol from dial to
// idle expiry: the same events, in the same order, on both.
func TestEventsConnLifecycle(t *testing.T) {
	for _, tc := range []struct {
		h2    bool
		proto string
	}{{false, "HTTP/1.1"}, {true, "HTTP/2"}} {
		t.Run(tc.proto, func(t *testing.T) {
			srv, tc2 := eventsServer(t, tc.h2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "hello")
			}))
			log := newEventLog()
			c, err := New(WithTLSConfig(tc2), WithEventListener(log.listener()), WithIdleConnTimeout(200*time.Millisecond))
			require.NoError(t, err)
			defer c.Close()
			get(t, c, srv.URL)
			get(t, c, srv.URL)
			cl := log.waitClosed(t)

			require.Equal(t, []string{"dial_start", "tls_done", "dial_done", "opened", "acquired", "done", "released",
				"acquired", "done", "released", "closed"}, log.snapshot())
			log.mu.Lock()
			defer log.mu.Unlock()
			id := log.opened[0].Conn
			require.Equal(t, ConnID(1), id)
			require.Equal(t, tc.proto, log.opened[0].Protocol)
			require.Equal(t, srv.Listener.Addr().String(), log.opened[0].RemoteAddr.String())
			require.NoError(t, log.dials[0].Err)
			require.Equal(t, uint16(tls.VersionTLS13), log.tlss[0].Version)
			require.False(t, log.acq[0].Reused)
			require.True(t, log.acq[1].Reused)
			require.Equal(t, id, log.rel[1].Conn)
			require.Equal(t, 200, log.done[1].StatusCode)
			require.Equal(t, tc.proto, log.done[1].Protocol)
			require.Equal(t, CloseIdleTimeout, cl.Reason)
			require.Equal(t, id, cl.Conn)
			require.Equal(t, uint64(2), cl.Requests)
			require.GreaterOrEqual(t, cl.Age, 200*time.Millisecond)

			st := c.OriginStats()
			require.Len(t, st, 1)
			require.Equal(t, "https://"+srv.Listener.Addr().String(), st[0].Origin.String())
			require.Equal(t, uint64(1), st[0].Dials)
			require.Equal(t, uint64(2), st[0].Requests)
			require.Equal(t, uint64(1), st[0].Closed[CloseIdleTimeout])
			require.Zero(t, st[0].HTTP1Conns+st[0].HTTP2Conns)
		})
	}
}

// TestEventsGoAwayAndResets: a server shutting down gracefully sends
// GOAWAY and the connection closes with that reason; a handler that aborts
// resets its stream, and a request canceled mid-body resets ours.
func TestEventsGoAwayAndResets(t *testing.T) {
	release := make(chan struct{})
	srv, tc := eventsServer(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/abort":
			panic(http.ErrAbortHandler)
		case "/slow":
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	log := newEventLog()
	c, err := New(WithTLSConfig(tc), WithEventListener(log.listener()))
	require.NoError(t, err)
	defer c.Close()
	get(t, c, srv.URL)

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/abort", nil)
	_, err = c.RoundTrip(req)
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	cancel()
	_, err = io.Copy(io.Discard, resp.Body)
	require.True(t, errors.Is(err, context.Canceled), "%v", err)
	resp.Body.Close()
	close(release)

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	require.NoError(t, srv.Config.Shutdown(sctx))
	cl := log.waitClosed(t)
	require.Equal(t, ClosePeerGoAway, cl.Reason)
	require.Equal(t, uint32(0), cl.Code)

	log.mu.Lock()
	defer log.mu.Unlock()
	require.Len(t, log.goaway, 1)
	require.Equal(t, cl.Conn, log.goaway[0].Conn)
	// The aborted GET is sent again, as a reset before any response
	// allows, until the retry budget ends: one reset received per try.
	require.Len(t, log.retry, defaultMaxRetries)
	require.Equal(t, 2, log.retry[0].Attempt)
	var received, sent []StreamReset
	for _, r := range log.resets {
		require.Equal(t, cl.Conn, r.Conn)
		if r.Sent {
			sent = append(sent, r)
		} else {
			received = append(received, r)
		}
	}
	require.Len(t, received, defaultMaxRetries+1)
	for _, r := range received {
		require.Equal(t, uint32(0x2), r.Code, "INTERNAL_ERROR")
	}
	require.Len(t, sent, 1)
	require.Equal(t, uint32(0x8), sent[0].Code, "CANCEL")
	require.Greater(t, sent[0].StreamID, received[len(received)-1].StreamID)
	st := c.OriginStats()
	require.Equal(t, uint64(1), st[0].Closed[ClosePeerGoAway])
	require.Equal(t, uint64(defaultMaxRetries), st[0].Retries)
}

// BenchmarkClientRoundTripEvents is BenchmarkClientRoundTrip with a
// listener of every event: the price of turning events on.
func BenchmarkClientRoundTripEvents(b *testing.B) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tc := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	log := newEventLog()
	l := log.listener()
	l.ConnAcquired, l.ConnReleased, l.RequestDone = func(ConnAcquired) {}, func(ConnReleased) {}, func(RequestDone) {}
	c, err := New(WithTLSConfig(tc), WithEventListener(l))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
