package integration

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
	"github.com/plexhttp/plex/internal/testcert"
)

// namesNginx starts nginx serving a.test and localhost (with 127.0.0.1),
// b.test, and m.test, which answers 421 to requests that arrive on a
// connection made for another name. One certificate covers all of them.
func namesNginx(t *testing.T) (port string, tlsConf *tls.Config) {
	t.Helper()
	certs, err := testcert.New("a.test", "b.test", "m.test")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := realserver.StartNginxVirtualHosts(ctx, realserver.Options{Dir: t.TempDir(), Certs: certs, IdleTimeout: time.Minute},
		[]realserver.VirtualHost{
			{Names: []string{"a.test", "localhost", "127.0.0.1"}},
			{Names: []string{"b.test"}},
			{Names: []string{"m.test"}, Misdirect: true},
		})
	if errors.Is(err, realserver.ErrNotInstalled) {
		t.Skip(err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Stop()) })
	u, ok := s.URL(realserver.H2)
	require.True(t, ok)
	_, port, err = net.SplitHostPort(strings.TrimPrefix(u, "https://"))
	require.NoError(t, err)
	return port, certs.ClientTLS()
}

// nameDialer connects every name to 127.0.0.1, as a resolver that maps
// the test's names there would, and records which names it dialed.
type nameDialer struct {
	mu    sync.Mutex
	names []string
}

func (d *nameDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d.note(host)
	return d.connect(ctx, network, addr)
}

// connect dials without recording: with WithLookupNetIP plex dials
// addresses, so listener records the names it dials instead.
func (d *nameDialer) connect(ctx context.Context, network, addr string) (net.Conn, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
}

func (d *nameDialer) note(host string) {
	d.mu.Lock()
	d.names = append(d.names, host)
	d.mu.Unlock()
}

// listener records the origin name of each dial plex starts.
func (d *nameDialer) listener() *plex.EventListener {
	return &plex.EventListener{DialStart: func(e plex.DialStart) {
		host, _, _ := net.SplitHostPort(e.Origin.Addr)
		d.note(host)
	}}
}

func (d *nameDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.names...)
}

// testLookup resolves the test's names: elsewhere.test to an address
// other than the server's.
func testLookup(_ context.Context, network, host string) ([]netip.Addr, error) {
	if network != "ip" {
		return nil, fmt.Errorf("unexpected network %q", network)
	}
	switch host {
	case "a.test", "b.test", "m.test", "localhost":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	case "elsewhere.test":
		return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// coalesceEvents records the events that show coalescing decisions.
type coalesceEvents struct {
	mu       sync.Mutex
	acquired []plex.ConnAcquired
	retries  []plex.RetryDecided
}

func (e *coalesceEvents) listener() *plex.EventListener {
	return &plex.EventListener{
		ConnAcquired: func(ev plex.ConnAcquired) {
			e.mu.Lock()
			e.acquired = append(e.acquired, ev)
			e.mu.Unlock()
		},
		RetryDecided: func(ev plex.RetryDecided) {
			e.mu.Lock()
			e.retries = append(e.retries, ev)
			e.mu.Unlock()
		},
	}
}

func (e *coalesceEvents) snapshot() ([]plex.ConnAcquired, []plex.RetryDecided) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]plex.ConnAcquired(nil), e.acquired...), append([]plex.RetryDecided(nil), e.retries...)
}

func roundTrip(t *testing.T, rt http.RoundTripper, req *http.Request) (*http.Response, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 20*time.Second)
	defer cancel()
	resp, err := rt.RoundTrip(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func getURL(t *testing.T, rt http.RoundTripper, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	return roundTrip(t, rt, req)
}

// Two names of one server cost plex one dial with coalescing on, and two
// without it, as they do net/http, which never shares a connection
// between origins: this is a deliberate difference, asked for by the
// option. nginx's answer shows the second request rode the first's
// connection: its TLS server name is a.test.
func TestCoalescingTwoNamesOneDialNginx(t *testing.T) {
	port, tlsConf := namesNginx(t)
	a, b := "https://a.test:"+port+"/", "https://b.test:"+port+"/"

	t.Run("net/http", func(t *testing.T) {
		d := &nameDialer{}
		tr := &http.Transport{DialContext: d.dial, TLSClientConfig: tlsConf.Clone(), ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		_, body := getURL(t, tr, a)
		require.Equal(t, "a.test host=a.test sni=a.test", body)
		resp, body := getURL(t, tr, b)
		require.Equal(t, 2, resp.ProtoMajor)
		require.Equal(t, "b.test host=b.test sni=b.test", body)
		require.Equal(t, []string{"a.test", "b.test"}, d.dialed())
	})
	t.Run("plex without the option", func(t *testing.T) {
		d := &nameDialer{}
		c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(d.connect), plex.WithEventListener(d.listener()), plex.WithLookupNetIP(testLookup))
		getURL(t, c, a)
		_, body := getURL(t, c, b)
		require.Equal(t, "b.test host=b.test sni=b.test", body)
		require.Equal(t, []string{"a.test", "b.test"}, d.dialed())
	})
	t.Run("plex with coalescing", func(t *testing.T) {
		d := &nameDialer{}
		ev := &coalesceEvents{}
		c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(d.connect), plex.WithEventListener(d.listener()), plex.WithLookupNetIP(testLookup),
			plex.WithConnectionCoalescing(true), plex.WithEventListener(ev.listener()))
		_, body := getURL(t, c, a)
		require.Equal(t, "a.test host=a.test sni=a.test", body)
		for range 2 {
			resp, body := getURL(t, c, b)
			require.Equal(t, 2, resp.ProtoMajor)
			require.Equal(t, "b.test host=b.test sni=a.test", body)
		}
		require.Equal(t, []string{"a.test"}, d.dialed(), "one dial for two origins")

		acq, retries := ev.snapshot()
		require.Len(t, acq, 3)
		require.False(t, acq[0].Coalesced)
		for _, e := range acq[1:] {
			require.True(t, e.Coalesced, "b.test's requests ride a.test's connection")
			require.Equal(t, acq[0].Conn, e.Conn)
			require.Equal(t, "b.test:"+port, e.Origin.Addr)
		}
		require.Empty(t, retries)
		st := originStats(c, "b.test:"+port)
		require.Equal(t, uint64(2), st.Requests)
		require.Zero(t, st.Dials)
	})
	t.Run("plex with coalescing, a name that resolves elsewhere", func(t *testing.T) {
		// The certificate does not cover elsewhere.test either; b.test's
		// lookup failing shows the address rule on its own.
		d := &nameDialer{}
		lookup := func(ctx context.Context, network, host string) ([]netip.Addr, error) {
			if host == "b.test" {
				return testLookup(ctx, network, "elsewhere.test")
			}
			return testLookup(ctx, network, host)
		}
		c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(d.connect), plex.WithEventListener(d.listener()), plex.WithLookupNetIP(lookup),
			plex.WithConnectionCoalescing(true))
		getURL(t, c, a)
		_, body := getURL(t, c, b)
		require.Equal(t, "b.test host=b.test sni=b.test", body)
		require.Equal(t, []string{"a.test", "b.test"}, d.dialed())
	})
}

func originStats(c *plex.Client, addr string) plex.OriginStats {
	for _, s := range c.OriginStats() {
		if s.Origin.Addr == addr {
			return s
		}
	}
	return plex.OriginStats{}
}

// nginx answers 421 to a request for m.test on a.test's connection. plex
// sends it again, body and all, on a connection of m.test's own, reports
// the resend, and lends a.test's connection to nobody from then on.
func TestCoalescingMisdirectedSentAgainNginx(t *testing.T) {
	port, tlsConf := namesNginx(t)
	a, m := "https://a.test:"+port+"/", "https://m.test:"+port+"/"
	d := &nameDialer{}
	ev := &coalesceEvents{}
	var traced []plex.RetryInfo
	c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(d.connect), plex.WithEventListener(d.listener()), plex.WithLookupNetIP(testLookup),
		plex.WithConnectionCoalescing(true), plex.WithEventListener(ev.listener()),
		plex.WithMaxRetries(0)) // the 421 resend does not count as a retry of a failure
	getURL(t, c, a)

	req, err := http.NewRequest(http.MethodPost, m, strings.NewReader("payload"))
	require.NoError(t, err)
	ctx := plex.WithRetryTrace(context.Background(), &plex.RetryTrace{Retry: func(ri plex.RetryInfo) { traced = append(traced, ri) }})
	resp, body := roundTrip(t, c, req.WithContext(ctx))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "m.test host=m.test sni=m.test", body)
	require.Equal(t, []string{"a.test", "m.test"}, d.dialed())

	acq, retries := ev.snapshot()
	require.Len(t, acq, 3)
	require.True(t, acq[1].Coalesced)
	require.Equal(t, acq[0].Conn, acq[1].Conn)
	require.False(t, acq[2].Coalesced)
	require.NotEqual(t, acq[0].Conn, acq[2].Conn)
	require.Len(t, retries, 1)
	require.Equal(t, 2, retries[0].Attempt)
	require.True(t, strings.HasPrefix(retries[0].Reason, "misdirected"), retries[0].Reason)
	require.Len(t, traced, 1)
	require.Equal(t, plex.RetryMisdirected, traced[0].Reason)

	// m.test keeps its own connection; a.test's is lent no more, so b.test
	// is not sent there (it may ride m.test's, whose certificate covers it).
	_, body = getURL(t, c, m)
	require.Equal(t, "m.test host=m.test sni=m.test", body)
	_, body = getURL(t, c, "https://b.test:"+port+"/")
	require.NotContains(t, body, "sni=a.test")
	_, body = getURL(t, c, a)
	require.Equal(t, "a.test host=a.test sni=a.test", body)
	require.Equal(t, []string{"a.test", "m.test"}, d.dialed())
}

// A 421 for a request whose body cannot be replayed is the caller's.
func TestCoalescingMisdirectedWithoutGetBodyReturnedNginx(t *testing.T) {
	port, tlsConf := namesNginx(t)
	d := &nameDialer{}
	c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(d.connect), plex.WithEventListener(d.listener()), plex.WithLookupNetIP(testLookup),
		plex.WithConnectionCoalescing(true))
	getURL(t, c, "https://a.test:"+port+"/")
	req, err := http.NewRequest(http.MethodPost, "https://m.test:"+port+"/", io.NopCloser(strings.NewReader("once")))
	require.NoError(t, err)
	require.Nil(t, req.GetBody)
	resp, _ := roundTrip(t, c, req)
	require.Equal(t, http.StatusMisdirectedRequest, resp.StatusCode)
	require.Equal(t, []string{"a.test"}, d.dialed())
}

// localhost and 127.0.0.1 name the same server: with coalescing, and the
// system's resolver, they share one connection whichever comes first.
func TestCoalescingLocalhostAndLoopbackIPOneDialNginx(t *testing.T) {
	port, tlsConf := namesNginx(t)
	for _, order := range [][]string{{"127.0.0.1", "localhost"}, {"localhost", "127.0.0.1"}} {
		for _, on := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s then %s, coalescing %v", order[0], order[1], on), func(t *testing.T) {
				var mu sync.Mutex
				dials := 0
				dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
					mu.Lock()
					dials++
					mu.Unlock()
					var nd net.Dialer
					return nd.DialContext(ctx, network, addr)
				}
				c := newClient(t, nil, plex.WithTLSConfig(tlsConf), plex.WithDialContext(dial), plex.WithConnectionCoalescing(on))
				for _, h := range order {
					resp, body := getURL(t, c, "https://"+net.JoinHostPort(h, port)+"/")
					require.Equal(t, http.StatusOK, resp.StatusCode)
					require.True(t, strings.HasPrefix(body, "a.test host="+h), body)
				}
				mu.Lock()
				defer mu.Unlock()
				want := 2
				if on {
					want = 1
				}
				require.Equal(t, want, dials)
			})
		}
	}
}
