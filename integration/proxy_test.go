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
	auth      []string
	targets   []string
}

func startProxy(t *testing.T) *proxy {
	p := &proxy{}
	var tunnels sync.WaitGroup
	p.goServer = startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.auth = append(p.auth, r.Header.Get("Proxy-Authorization"))
		p.targets = append(p.targets, r.RequestURI)
		p.mu.Unlock()
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
		tunnels.Add(2)
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
