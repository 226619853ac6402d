package integration

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// fleetName is the host name the lookup hook resolves; the httptest
// certificate is valid for it.
const fleetName = "example.com"

// addrFleet is one HTTP/2 server per loopback address, all on one port
// (Linux routes all of 127/8 to lo), each answering with its address.
type addrFleet struct {
	port    int
	servers []*httptest.Server
}

// startAddrFleet listens on 127.0.0.1 .. 127.0.0.n on one port and leaves
// 127.0.0.(n+1) with no listener. handler, if set, runs before the answer.
func startAddrFleet(t *testing.T, n int, cfg func(*http.Server), handler func()) *addrFleet {
	t.Helper()
	var lns []net.Listener
	for try := 0; try < 20 && len(lns) < n; try++ {
		lns = lns[:0]
		first, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		lns = append(lns, first)
		port := first.Addr().(*net.TCPAddr).Port
		for i := 2; i <= n; i++ {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0."+strconv.Itoa(i), strconv.Itoa(port)))
			if err != nil {
				break // the port is taken on that address: try another
			}
			lns = append(lns, ln)
		}
		if len(lns) < n {
			for _, ln := range lns {
				ln.Close()
			}
		}
	}
	require.Len(t, lns, n, "no port free on all of 127.0.0.1..%d", n)
	f := &addrFleet{port: lns[0].Addr().(*net.TCPAddr).Port}
	for _, ln := range lns {
		name := ln.Addr().(*net.TCPAddr).IP.String()
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if handler != nil {
				handler()
			}
			w.Write([]byte(name))
		}))
		s.Listener.Close()
		s.Listener = ln
		s.EnableHTTP2 = true
		if cfg != nil {
			cfg(s.Config)
		}
		s.StartTLS()
		t.Cleanup(s.Close)
		f.servers = append(f.servers, s)
	}
	return f
}

func (f *addrFleet) url() string {
	return "https://" + net.JoinHostPort(fleetName, strconv.Itoa(f.port)) + "/"
}

func (f *addrFleet) tls() plex.Option {
	g := &goServer{Server: f.servers[0]}
	return plex.WithTLSConfig(g.clientTLS())
}

// lookupOf resolves fleetName to addrs, counting the lookups.
func lookupOf(addrs ...string) func(context.Context, string, string) ([]netip.Addr, error) {
	return func(_ context.Context, _, host string) ([]netip.Addr, error) {
		if host != fleetName {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, a := range addrs {
			out = append(out, netip.MustParseAddr(a))
		}
		return out, nil
	}
}

// addrEvents records where connections went and which addresses failed.
type addrEvents struct {
	mu     sync.Mutex
	opened []string // remote IPs, in order
	failed []plex.DialAddrFailed
}

func (e *addrEvents) listener() *plex.EventListener {
	return &plex.EventListener{
		ConnOpened: func(ev plex.ConnOpened) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.opened = append(e.opened, ev.RemoteAddr.(*net.TCPAddr).IP.String())
		},
		DialAddrFailed: func(ev plex.DialAddrFailed) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.failed = append(e.failed, ev)
		},
	}
}

func (e *addrEvents) snapshot() ([]string, []plex.DialAddrFailed) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.opened...), append([]plex.DialAddrFailed(nil), e.failed...)
}

func distinct(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

// With a lookup hook and a minimum of three connections, each connection
// goes to another address and requests reach all three servers. Without
// the hook, the name goes to the dial function and every connection to
// the address it picks.
func TestLookupSpreadsMinConnsOverAddresses(t *testing.T) {
	f := startAddrFleet(t, 3, nil, nil)
	t.Run("with lookup", func(t *testing.T) {
		var ev addrEvents
		c, err := plex.New(f.tls(), plex.WithLookupNetIP(lookupOf("127.0.0.1", "127.0.0.2", "127.0.0.3")),
			plex.WithMinConnsPerHost(3), plex.WithEventListener(ev.listener()))
		require.NoError(t, err)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		answered := map[string]bool{}
		for len(answered) < 3 {
			require.NoError(t, ctx.Err(), "only %v answered", answered)
			resp, body := get(t, c, f.url())
			require.Equal(t, "HTTP/2.0", resp.Proto)
			answered[string(body)] = true
		}
		opened, failed := ev.snapshot()
		require.Len(t, opened, 3)
		require.Len(t, distinct(opened), 3, "connections went to %v", opened)
		require.Empty(t, failed)
	})
	t.Run("without lookup", func(t *testing.T) {
		var ev addrEvents
		dialer := &net.Dialer{}
		c, err := plex.New(f.tls(), plex.WithMinConnsPerHost(3), plex.WithEventListener(ev.listener()),
			plex.WithDialContext(func(ctx context.Context, network, addr string) (net.Conn, error) {
				// What a resolver that answers one address does.
				_, port, _ := net.SplitHostPort(addr)
				return dialer.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			}))
		require.NoError(t, err)
		defer c.Close()
		for range 9 {
			get(t, c, f.url())
		}
		require.Eventually(t, func() bool { o, _ := ev.snapshot(); return len(o) == 3 }, 10*time.Second, time.Millisecond)
		opened, _ := ev.snapshot()
		require.Equal(t, []string{"127.0.0.1", "127.0.0.1", "127.0.0.1"}, opened)
	})
}

// In the default mode, the connections dialed because the server allows
// one stream at a time go to different addresses too.
func TestLookupSpreadsConnsAboveStreamLimit(t *testing.T) {
	const n = 3
	entered := make(chan struct{}, n)
	release := make(chan struct{})
	f := startAddrFleet(t, n, func(s *http.Server) {
		s.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 1}
	}, func() {
		entered <- struct{}{}
		<-release
	})
	var ev addrEvents
	c, err := plex.New(f.tls(), plex.WithLookupNetIP(lookupOf("127.0.0.1", "127.0.0.2", "127.0.0.3")),
		plex.WithEventListener(ev.listener()))
	require.NoError(t, err)
	defer c.Close()

	var wg sync.WaitGroup
	bodies := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.url(), nil)
			resp, err := c.RoundTrip(req)
			if err != nil {
				bodies <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			b := make([]byte, 64)
			k, _ := resp.Body.Read(b)
			bodies <- string(b[:k])
		}()
	}
	deadline := time.After(20 * time.Second)
	for range n {
		select {
		case <-entered:
		case <-deadline:
			close(release)
			wg.Wait()
			t.Fatal("the requests did not all reach a server")
		}
	}
	close(release)
	wg.Wait()
	close(bodies)
	var got []string
	for b := range bodies {
		got = append(got, b)
	}
	require.ElementsMatch(t, []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"}, got)
	opened, _ := ev.snapshot()
	require.Len(t, distinct(opened), n, "connections went to %v", opened)
}

// An address that refuses connections is reported once, and the dials
// after it go to the others for the skip period: no further attempt to it.
func TestLookupSkipsFailingAddress(t *testing.T) {
	f := startAddrFleet(t, 3, nil, nil)
	// 127.0.0.9 has no listener on the fleet's port; it comes first.
	var ev addrEvents
	c, err := plex.New(f.tls(), plex.WithLookupNetIP(lookupOf("127.0.0.9", "127.0.0.1", "127.0.0.2")),
		plex.WithMinConnsPerHost(2), plex.WithEventListener(ev.listener()))
	require.NoError(t, err)
	defer c.Close()

	for round := 1; round <= 3; round++ {
		_, body := get(t, c, f.url())
		require.NotEqual(t, "127.0.0.9", string(body))
		require.Eventually(t, func() bool { o, _ := ev.snapshot(); return len(o) == 2*round }, 10*time.Second, time.Millisecond)
		c.CloseIdleConnections()
	}
	opened, failed := ev.snapshot()
	require.Len(t, failed, 1, "one failure, then the address was skipped")
	require.Equal(t, net.JoinHostPort("127.0.0.9", strconv.Itoa(f.port)), failed[0].Addr)
	require.Error(t, failed[0].Err)
	require.True(t, failed[0].SkipUntil.After(time.Now().Add(20*time.Second)))
	for i := 0; i < len(opened); i += 2 {
		require.ElementsMatch(t, []string{"127.0.0.1", "127.0.0.2"}, opened[i:i+2], "round %d: %v", i/2+1, opened)
	}
}
