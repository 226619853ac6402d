package integration

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// connLog records a Client's connection events; closed also goes to a
// channel so that a test can wait for the next close with a deadline.
type connLog struct {
	mu      sync.Mutex
	opened  []plex.ConnOpened
	closes  []plex.ConnClosed
	goaways []plex.GoAwayReceived
	closed  chan plex.ConnClosed
}

func newConnLog() *connLog { return &connLog{closed: make(chan plex.ConnClosed, 64)} }

func (l *connLog) listener() *plex.EventListener {
	return &plex.EventListener{
		ConnOpened: func(e plex.ConnOpened) { l.mu.Lock(); l.opened = append(l.opened, e); l.mu.Unlock() },
		ConnClosed: func(e plex.ConnClosed) {
			l.mu.Lock()
			l.closes = append(l.closes, e)
			l.mu.Unlock()
			l.closed <- e
		},
		GoAwayReceived: func(e plex.GoAwayReceived) { l.mu.Lock(); l.goaways = append(l.goaways, e); l.mu.Unlock() },
	}
}

func (l *connLog) nextClose(t *testing.T, within time.Duration) plex.ConnClosed {
	t.Helper()
	select {
	case e := <-l.closed:
		return e
	case <-time.After(within):
		t.Fatalf("no connection closed within %v", within)
		return plex.ConnClosed{}
	}
}

// closeOnNextRequests sends requests until one finds its connection
// closed (and goes on a new one), and returns that close.
func (l *connLog) closeOnNextRequests(t *testing.T, c *plex.Client, url, want string) plex.ConnClosed {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		require.NoError(t, fetchSum(c, url, want))
		select {
		case e := <-l.closed:
			return e
		default:
		}
	}
	t.Fatal("no connection closed within 10s of requests")
	return plex.ConnClosed{}
}

// requireMatchesStats checks the events against the Client's own counters:
// one origin, as many dials as connections opened, and per reason as many
// closes as events said.
func (l *connLog) requireMatchesStats(t *testing.T, c *plex.Client) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := c.OriginStats()
	require.Len(t, st, 1)
	require.Equal(t, uint64(len(l.opened)), st[0].Dials-st[0].DialErrors)
	var byReason [plex.NumCloseReasons]uint64
	for _, e := range l.closes {
		byReason[e.Reason]++
		require.Positive(t, e.Age, "conn %d has an age", e.Conn)
	}
	require.Equal(t, byReason, st[0].Closed)
}

// The events a connection's end produces on a real server, on each
// protocol: an idle timeout of ours, then a graceful reload with a
// download in flight. nginx and h2o document that a reload drains every
// connection (GOAWAY on HTTP/2, a close on HTTP/1.1), so the reason is
// known in advance; the other servers' reloads are checked in
// interop_reload_test.go.
func TestObservedReloadAndIdleTimeout(t *testing.T) {
	forEachTargetExclusive(t, "observed reload", []realserver.Proto{realserver.H2, realserver.H1}, func(t *testing.T, tg *interopTarget) {
		if tg.srv.Kind != realserver.Nginx && tg.srv.Kind != realserver.H2O {
			notApplicable(t, "the observed reload runs on nginx and h2o")
		}
		want := realserver.Sum(realserver.File(realserver.SmallFile))

		// Our idle timeout, well inside the server's.
		idle := newConnLog()
		c := tg.client(t, plex.WithEventListener(idle.listener()), plex.WithIdleConnTimeout(200*time.Millisecond))
		require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want))
		require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want))
		e := idle.nextClose(t, 10*time.Second)
		require.Equal(t, plex.CloseIdleTimeout, e.Reason)
		require.Equal(t, uint64(2), e.Requests)
		require.GreaterOrEqual(t, e.Age, 200*time.Millisecond)
		idle.requireMatchesStats(t, c)

		// A graceful reload while a download is in flight.
		log := newConnLog()
		c = tg.client(t, plex.WithEventListener(log.listener()))
		req, err := http.NewRequest(http.MethodGet, tg.url+realserver.File16M, nil)
		require.NoError(t, err)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		_, err = io.ReadFull(resp.Body, make([]byte, 1024))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		require.NoError(t, tg.srv.Reload(ctx))
		n, err := io.Copy(io.Discard, resp.Body)
		require.NoError(t, err, "the download in flight completes across the reload")
		require.Equal(t, int64(len(realserver.File(realserver.File16M))-1024), n)
		require.NoError(t, resp.Body.Close())

		if tg.isH2() {
			e = log.nextClose(t, 10*time.Second)
			require.Equal(t, plex.ClosePeerGoAway, e.Reason)
			require.Equal(t, uint32(0), e.Code, "NO_ERROR: a graceful GOAWAY")
			log.mu.Lock()
			require.NotEmpty(t, log.goaways)
			require.Equal(t, e.Conn, log.goaways[0].Conn)
			log.mu.Unlock()
		} else {
			// HTTP/1.1 has no GOAWAY: the old worker closes the connection
			// once it is idle, which a request finds out; until the
			// reload reaches the worker, requests still go on it.
			e = log.closeOnNextRequests(t, c, tg.url+realserver.SmallFile, want)
			require.Equal(t, plex.ClosePeerClose, e.Reason)
		}
		require.Equal(t, plex.ConnID(1), e.Conn)
		log.requireMatchesStats(t, c)
		if tg.isH2() {
			// The next request needs, and gets, a new connection.
			require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want))
			log.requireMatchesStats(t, c)
			require.Equal(t, uint64(2), c.OriginStats()[0].Dials)
		}
	})
}
