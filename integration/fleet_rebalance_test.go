package integration

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// roundRobin is a TCP load balancer as a fleet puts in front of its
// servers: each accepted connection goes to the next backend in turn, and
// stays there for its whole life.
type roundRobin struct {
	ln       net.Listener
	backends []string
	n        atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{} // guarded by mu; closed by close
}

func startRoundRobin(t *testing.T, backends ...string) *roundRobin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	rr := &roundRobin{ln: ln, backends: backends, conns: map[net.Conn]struct{}{}}
	rr.wg.Add(1)
	go rr.serve()
	t.Cleanup(rr.close)
	return rr
}

func (rr *roundRobin) addr() string { return rr.ln.Addr().String() }

func (rr *roundRobin) serve() {
	defer rr.wg.Done()
	for {
		c, err := rr.ln.Accept()
		if err != nil {
			return
		}
		i := rr.n.Add(1) - 1
		rr.wg.Add(1)
		go rr.relay(c, rr.backends[int(i)%len(rr.backends)])
	}
}

func (rr *roundRobin) track(c net.Conn) bool {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if rr.conns == nil {
		return false
	}
	rr.conns[c] = struct{}{}
	return true
}

func (rr *roundRobin) relay(front net.Conn, backend string) {
	defer rr.wg.Done()
	defer front.Close()
	back, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		return
	}
	defer back.Close()
	if !rr.track(front) || !rr.track(back) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		// Pass the end of one direction on, as a balancer does; the other
		// direction carries on until its own end.
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(back, front)
	go pipe(front, back)
	<-done
	<-done
}

// close stops accepting, cuts every relayed connection and waits for the
// relays to end.
func (rr *roundRobin) close() {
	rr.ln.Close()
	rr.mu.Lock()
	for c := range rr.conns {
		c.Close()
	}
	rr.conns = nil
	rr.mu.Unlock()
	rr.wg.Wait()
}

// nameServer is a Go server that answers every request with its name.
func nameServer(t *testing.T, name string, proto string) *goServer {
	return startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}), proto)
}

// fleet is two named servers behind a round-robin balancer.
func fleet(t *testing.T, proto string) (*goServer, string) {
	a := nameServer(t, "a", proto)
	b := nameServer(t, "b", proto)
	rr := startRoundRobin(t, a.Listener.Addr().String(), b.Listener.Addr().String())
	// httptest servers share one certificate, valid for 127.0.0.1: trusting
	// a's trusts b's.
	return a, "https://" + rr.addr() + "/"
}

// backendOf asks the fleet once and returns the name of the server that
// answered, and the protocol.
func backendOf(t *testing.T, c *plex.Client, url string) (string, string) {
	t.Helper()
	resp, body := get(t, c, url)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(body), resp.Proto
}

// closeReasons records the reason of every ConnClosed event.
type closeReasons struct {
	mu  sync.Mutex
	got []plex.CloseReason
}

func (r *closeReasons) listener() *plex.EventListener {
	return &plex.EventListener{ConnClosed: func(e plex.ConnClosed) {
		r.mu.Lock()
		r.got = append(r.got, e.Reason)
		r.mu.Unlock()
	}}
}

func (r *closeReasons) count(why plex.CloseReason) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, g := range r.got {
		if g == why {
			n++
		}
	}
	return n
}

func originClosed(c *plex.Client, why plex.CloseReason) uint64 {
	var n uint64
	for _, o := range c.OriginStats() {
		n += o.Closed[why]
	}
	return n
}

var fleetProtos = []struct{ alpn, proto string }{{"h2", "HTTP/2.0"}, {"http/1.1", "HTTP/1.1"}}

// With a maximum connection age, a client that sends request after request
// reaches both servers behind the balancer; without one, it stays on the
// server the balancer gave its first connection, however long it runs.
func TestMaxConnAgeSpreadsOverBalancedServers(t *testing.T) {
	const age = 50 * time.Millisecond
	for _, p := range fleetProtos {
		t.Run(p.alpn, func(t *testing.T) {
			t.Run("with max age", func(t *testing.T) {
				a, url := fleet(t, p.alpn)
				var reasons closeReasons
				c := newClient(t, a, plex.WithMaxConnAge(age), plex.WithEventListener(reasons.listener()))
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				seen := map[string]bool{}
				for len(seen) < 2 {
					require.NoError(t, ctx.Err(), "only %v answered before the deadline", seen)
					name, proto := backendOf(t, c, url)
					require.Equal(t, p.proto, proto)
					seen[name] = true
				}
				require.Eventually(t, func() bool { return reasons.count(plex.CloseMaxAge) > 0 }, 10*time.Second, time.Millisecond,
					"no connection closed for its age")
				require.Positive(t, originClosed(c, plex.CloseMaxAge))
			})
			t.Run("without", func(t *testing.T) {
				a, url := fleet(t, p.alpn)
				var reasons closeReasons
				c := newClient(t, a, plex.WithEventListener(reasons.listener()))
				seen := map[string]int{}
				start := time.Now()
				for n := 0; n < 20 || time.Since(start) < 4*age; n++ {
					name, _ := backendOf(t, c, url)
					seen[name]++
				}
				require.Len(t, seen, 1, "one connection, one server: %v", seen)
				require.Zero(t, reasons.count(plex.CloseMaxAge))
				require.Equal(t, uint64(1), c.Stats().Dials)
			})
		})
	}
}

// A maximum number of requests per connection spreads load the same way,
// and each connection carries at most that many.
func TestMaxConnRequestsSpreadsOverBalancedServers(t *testing.T) {
	const limit = 5
	for _, p := range fleetProtos {
		t.Run(p.alpn, func(t *testing.T) {
			a, url := fleet(t, p.alpn)
			var mu sync.Mutex
			var carried []uint64
			l := &plex.EventListener{ConnClosed: func(e plex.ConnClosed) {
				mu.Lock()
				defer mu.Unlock()
				if e.Reason == plex.CloseMaxRequests {
					carried = append(carried, e.Requests)
				}
			}}
			c := newClient(t, a, plex.WithMaxConnRequests(limit), plex.WithEventListener(l))
			seen := map[string]int{}
			for range 4 * limit {
				name, _ := backendOf(t, c, url)
				seen[name]++
			}
			require.Len(t, seen, 2, "both servers answered: %v", seen)
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(carried) >= 3
			}, 10*time.Second, time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			for _, n := range carried {
				require.Equal(t, uint64(limit), n, "requests per retired connection (a tenth of 5 rounds to no jitter)")
			}
		})
	}
}

func TestRebalanceOptionsRefuseNegativeValues(t *testing.T) {
	_, err := plex.New(plex.WithMaxConnAge(-time.Second), plex.WithMaxConnRequests(-1))
	require.Error(t, err)
	require.ErrorContains(t, err, "MaxConnAge -1s is negative")
	require.ErrorContains(t, err, "MaxConnRequests -1 is negative")
}
