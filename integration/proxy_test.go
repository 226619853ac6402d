package integration

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// proxy is an HTTP proxy on loopback: it tunnels CONNECT and answers
// forwarded (absolute-form) requests itself, recording what it saw.
type proxy struct {
	*goServer
	connects  atomic.Int64
	forwarded atomic.Int64
	mu        sync.Mutex
	auth      []string      // guarded by mu
	targets   []string      // guarded by mu
	headers   []http.Header // guarded by mu
	// closed is set, under mu, before the cleanup waits for the tunnels,
	// so that a handler adds its tunnel to the wait group before the wait
	// or not at all (hijacked connections are not waited for by Close).
	closed bool
}

func startProxy(t *testing.T) *proxy { return startGatedProxy(t, nil) }

// startGatedProxy starts a proxy that first asks gate, when there is one,
// about each request; gate answers the requests it refuses itself.
func startGatedProxy(t *testing.T, gate func(w http.ResponseWriter, r *http.Request) bool) *proxy {
	p := &proxy{}
	var tunnels sync.WaitGroup
	p.goServer = startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.auth = append(p.auth, r.Header.Get("Proxy-Authorization"))
		p.targets = append(p.targets, r.RequestURI)
		p.headers = append(p.headers, r.Header.Clone())
		p.mu.Unlock()
		if gate != nil && !gate(w, r) {
			return
		}
		if r.Method != http.MethodConnect {
			p.forwarded.Add(1)
			io.WriteString(w, "forwarded "+r.URL.String())
			return
		}
		p.connects.Add(1)
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		down, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			up.Close()
			down.Close()
			return
		}
		tunnels.Add(2)
		p.mu.Unlock()
		go func() {
			defer tunnels.Done()
			io.Copy(up, brw)
			up.Close()
		}()
		go func() {
			defer tunnels.Done()
			io.Copy(down, up)
			down.Close()
		}()
	}))
	t.Cleanup(func() {
		p.Close()
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		tunnels.Wait()
	})
	return p
}

func TestHTTPSThroughConnectProxy(t *testing.T) {
	origin := startGo(t, bodyHandler(), "h2", "http/1.1")
	p := startProxy(t)
	pu, err := url.Parse(p.URL)
	require.NoError(t, err)
	pu.User = url.UserPassword("user", "secret")
	c := newClient(t, origin, plex.WithProxy(http.ProxyURL(pu)))
	for range 3 {
		_, body := get(t, c, origin.URL+"/blob/5000")
		require.Equal(t, sum(pattern(5000)), sum(body))
	}
	require.EqualValues(t, 1, p.connects.Load(), "one tunnel carried every request")
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Equal(t, []string{"Basic dXNlcjpzZWNyZXQ="}, p.auth)
	require.Equal(t, []string{origin.Listener.Addr().String()}, p.targets)
}

func TestHTTPThroughForwardProxy(t *testing.T) {
	p := startProxy(t)
	pu, err := url.Parse(p.URL)
	require.NoError(t, err)
	pu.User = url.User("only-user")
	c := newClient(t, nil, plex.WithProxy(http.ProxyURL(pu)))
	for range 2 {
		_, body := get(t, c, "http://origin.test:8080/path?q=1")
		require.Equal(t, "forwarded http://origin.test:8080/path?q=1", string(body))
	}
	require.EqualValues(t, 2, p.forwarded.Load())
	require.EqualValues(t, 1, p.conns.Load(), "the proxy connection was kept alive")
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Equal(t, "http://origin.test:8080/path?q=1", p.targets[0])
	require.Equal(t, "Basic b25seS11c2VyOg==", p.auth[0])
}
