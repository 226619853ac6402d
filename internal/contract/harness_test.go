package contract

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/plexhttp/plex/pool"
)

// settings are the settings both protocols share, set once per behaviour
// and handed to each kind's Config, as plex.New does.
type settings struct {
	responseHeaderTimeout time.Duration
	expectContinueTimeout time.Duration
	maxHeaderBytes        int64
	bodyReadTimeout       time.Duration
	writeByteTimeout      time.Duration
	// buffered bounds the bytes in flight each way (0: unbounded), so a
	// server that stops reading stalls the client's writes.
	buffered int
}

// kind is one connection kind under contract.
type kind struct {
	name  string
	proto string // the Response.Proto it must report
	dial  func(t *testing.T, nc net.Conn, s settings, onChange func()) pool.Conn
}

var kinds = []kind{
	{"h1", "HTTP/1.1", func(t *testing.T, nc net.Conn, s settings, onChange func()) pool.Conn {
		cfg := &h1.Config{
			ResponseHeaderTimeout:  s.responseHeaderTimeout,
			ExpectContinueTimeout:  s.expectContinueTimeout,
			MaxResponseHeaderBytes: s.maxHeaderBytes,
			BodyReadTimeout:        s.bodyReadTimeout,
			WriteByteTimeout:       s.writeByteTimeout,
		}
		require.NoError(t, cfg.Validate())
		return h1.NewConn(nc, cfg, h1.ConnOptions{}, onChange)
	}},
	{"h2", "HTTP/2.0", func(t *testing.T, nc net.Conn, s settings, onChange func()) pool.Conn {
		cc, err := h2.NewClientConn(nc, &h2.Config{
			ResponseHeaderTimeout: s.responseHeaderTimeout,
			ExpectContinueTimeout: s.expectContinueTimeout,
			MaxHeaderListSize:     uint32(s.maxHeaderBytes),
			BodyReadTimeout:       s.bodyReadTimeout,
			WriteByteTimeout:      s.writeByteTimeout,
		}, nil, onChange)
		require.NoError(t, err)
		return cc
	}},
}

// listener hands the server ends of memconn pairs to an http.Server.
type listener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newListener() *listener {
	return &listener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *listener) Addr() net.Addr { return fakeAddr{} }

type fakeAddr struct{}

func (fakeAddr) Network() string { return "memconn" }
func (fakeAddr) String() string  { return "memconn" }

// env is one behaviour's run on one kind: Go's server with the behaviour's
// handler, speaking HTTP/1.1 or HTTP/2 with prior knowledge, and a client
// connection of the kind under test. It lives inside a synctest bubble.
type env struct {
	t    *testing.T
	kind kind
	conn pool.Conn
	ln   *listener
	sc   *gatedConn // the server's end of the connection
	// changes counts the connection's state-change hook, which the pool
	// relies on to learn that a slot freed or the connection died.
	changes atomic.Int32
}

// newEnv starts the server and connects. The server and the connection
// close when the test ends.
func newEnv(t *testing.T, k kind, s settings, h http.Handler) *env {
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	// The server's connection goroutines may linger (a closing HTTP/1.1
	// connection waits a moment for the client to read); the test waits
	// for them so none outlives the bubble.
	var live sync.WaitGroup
	srv := &http.Server{Handler: h, Protocols: &protos, ErrorLog: quietLog(),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				live.Add(1)
			case http.StateClosed, http.StateHijacked:
				live.Done()
			}
		}}
	ln := newListener()
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	c, raw := memconn.NewPipe(memconn.Options{MaxBuffered: s.buffered})
	sc := &gatedConn{Conn: raw, stopped: make(chan struct{}), closed: make(chan struct{})}
	ln.conns <- sc
	e := &env{t: t, kind: k, ln: ln, sc: sc}
	e.conn = k.dial(t, c, s, func() { e.changes.Add(1) })
	t.Cleanup(func() {
		e.conn.Close()
		srv.Close()
		<-served
		live.Wait()
	})
	return e
}

// gatedConn is the server's end of the connection; once stopReading is
// called its reads block until it is closed, as a peer that stops reading
// the socket.
type gatedConn struct {
	net.Conn
	stopOnce, closeOnce sync.Once
	stopped, closed     chan struct{}
}

func (g *gatedConn) stopReading() { g.stopOnce.Do(func() { close(g.stopped) }) }

func (g *gatedConn) Read(p []byte) (int, error) {
	select {
	case <-g.stopped:
		<-g.closed
		return 0, net.ErrClosed
	default:
		return g.Conn.Read(p)
	}
}

func (g *gatedConn) Close() error {
	g.closeOnce.Do(func() { close(g.closed) })
	return g.Conn.Close()
}

// roundTrip reserves a slot and carries req, as the pool does.
func (e *env) roundTrip(req *http.Request) (*http.Response, error) {
	require.True(e.t, e.conn.Reserve(), "%s: no slot free", e.kind.name)
	return e.conn.RoundTrip(req)
}

func (e *env) get(ctx context.Context, path string) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.com"+path, nil)
	require.NoError(e.t, err)
	return req
}

// forEachKind runs fn once per connection kind, each in its own bubble.
func forEachKind(t *testing.T, fn func(t *testing.T, k kind)) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) { synctestRun(t, func(t *testing.T) { fn(t, k) }) })
	}
}

// wantSlotFreed checks that the connection holds no slot for a request that
// ended and that it told the pool so after since: a slot freed without the
// hook would count against the pool's limits for good.
func (e *env) wantSlotFreed(since int32) {
	e.t.Helper()
	synctest.Wait()
	require.Zero(e.t, e.conn.InFlight(), "%s: the ended request still holds a slot", e.kind.name)
	require.Greater(e.t, e.changes.Load(), since, "%s: the slot freed without the state-change hook", e.kind.name)
}
