package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// restartingServer is Go's HTTP/1.1 server on one listener, restarted
// gracefully on demand: a new http.Server takes the new connections while
// the old one shuts down (Shutdown closes its idle connections and the
// others once their response is sent), as a zero-downtime deploy does.
// It tracks connections that were closed before any request arrived on
// them.
//
// mu guards cur, the generation accepting connections, and fresh, the
// connections with no request yet.
type restartingServer struct {
	ln       net.Listener
	hdrLimit time.Duration
	wg       sync.WaitGroup

	mu      sync.Mutex
	cur     *generation
	fresh   map[net.Conn]bool
	changed chan struct{} // closed and replaced whenever fresh shrinks
}

type generation struct {
	srv   *http.Server
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (g *generation) Accept() (net.Conn, error) {
	select {
	case c := <-g.conns:
		return c, nil
	case <-g.done:
		return nil, net.ErrClosed
	}
}

func (g *generation) Close() error {
	g.once.Do(func() { close(g.done) })
	return nil
}

func (g *generation) Addr() net.Addr { return &net.TCPAddr{} }

func startRestartingServer(t *testing.T, hdrLimit time.Duration) *restartingServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &restartingServer{ln: ln, hdrLimit: hdrLimit, fresh: make(map[net.Conn]bool), changed: make(chan struct{})}
	s.mu.Lock()
	s.cur = s.newGenerationLocked()
	s.mu.Unlock()
	s.wg.Go(s.acceptLoop)
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		g := s.cur
		s.mu.Unlock()
		g.srv.Close()
		s.wg.Wait()
	})
	return s
}

func (s *restartingServer) url() string { return "http://" + s.ln.Addr().String() + "/" }

func (s *restartingServer) newGenerationLocked() *generation {
	g := &generation{conns: make(chan net.Conn), done: make(chan struct{})}
	g.srv = &http.Server{
		ReadHeaderTimeout: s.hdrLimit,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}),
		ConnState: s.connState,
	}
	s.wg.Go(func() { g.srv.Serve(g) })
	return g
}

func (s *restartingServer) connState(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch st {
	case http.StateNew:
		s.fresh[c] = true
	case http.StateActive, http.StateClosed, http.StateHijacked:
		if s.fresh[c] {
			delete(s.fresh, c)
			close(s.changed)
			s.changed = make(chan struct{})
		}
	}
}

func (s *restartingServer) acceptLoop() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		for delivered := false; !delivered; {
			s.mu.Lock()
			g := s.cur
			s.mu.Unlock()
			select {
			case g.conns <- c:
				delivered = true
			case <-g.done:
				// Replaced meanwhile, or stopping: try the current one.
				s.mu.Lock()
				stopping := s.cur == g
				s.mu.Unlock()
				if stopping {
					c.Close()
					delivered = true
				}
			}
		}
	}
}

// restart starts a new generation and shuts the old one down gracefully.
func (s *restartingServer) restart(ctx context.Context) error {
	s.mu.Lock()
	old := s.cur
	s.cur = s.newGenerationLocked()
	s.mu.Unlock()
	return old.srv.Shutdown(ctx)
}

// waitFreshClosed waits until no connection without a request is left
// open: the server closed every one (ReadHeaderTimeout) or served a request
// on it.
func (s *restartingServer) waitFreshClosed(ctx context.Context) error {
	for {
		s.mu.Lock()
		n, ch := len(s.fresh), s.changed
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%d connections still open without a request: %w", n, ctx.Err())
		}
	}
}

var _ = registerSuite("TestH1UnusedIdleConnsClosedByServer", TestH1UnusedIdleConnsClosedByServer)

// TestH1UnusedIdleConnsClosedByServer: under bursts of concurrent GETs
// the pool dials connections that lose the race to a freed one and go
// idle without ever carrying a request. Go's server closes such a
// connection when no request arrives within ReadHeaderTimeout, and on a
// graceful Shutdown. A connection that waited idle in the pool is checked
// for a close before use and, like a reused one, lets a GET be sent again,
// so not one GET fails, as with net/http, which reads every connection
// from the moment it is dialled.
func TestH1UnusedIdleConnsClosedByServer(t *testing.T) {
	checks(t, "Faults: HTTP/1.1", "RFC 9112 §9.3.1", "connections that waited idle unused, closed by ReadHeaderTimeout or a graceful Shutdown: checked before use, GETs resent, none fails")
	s := startRestartingServer(t, 50*time.Millisecond)
	c := newClient(t, nil, plex.WithProtocols(plex.HTTP1))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	const rounds, burst = 30, 16
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, burst)
		for range burst {
			wg.Go(func() {
				if _, err := send(c, http.MethodGet, s.url(), ""); err != nil {
					errs <- err
				}
			})
		}
		if round%3 == 2 {
			require.NoError(t, s.restart(ctx))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "round %d", round)
		}
		// Let the server close the connections nobody used.
		require.NoError(t, s.waitFreshClosed(ctx))
	}
	require.Greater(t, c.Stats().Dials, uint64(burst), "bursts made the pool dial more connections")
}
