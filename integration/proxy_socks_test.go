package integration

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/socks5test"
)

// startSOCKS starts a SOCKS5 server that records the target each client
// asks for and leads every tunnel to origin, so that no test depends on
// how a name resolves on this machine.
func startSOCKS(t *testing.T, origin *goServer, user, pass string) *socks5test.Server {
	t.Helper()
	s := &socks5test.Server{User: user, Password: pass}
	addr := origin.Listener.Addr().String()
	s.Dial = func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
	require.NoError(t, s.Start())
	t.Cleanup(s.Close)
	return s
}

func portOf(t *testing.T, s *goServer) string {
	_, port, err := net.SplitHostPort(s.Listener.Addr().String())
	require.NoError(t, err)
	return port
}

// firstLocalhost is the address the system resolver gives first for
// localhost, which a socks5:// proxy is asked for.
func firstLocalhost(t *testing.T) string {
	ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", "localhost")
	require.NoError(t, err)
	require.NotEmpty(t, ips)
	return ips[0].Unmap().String()
}

// The certificate of Go's test server names example.com, which the
// socks5h tests ask the proxy for by name; the socks5 tests use localhost,
// which resolves without a network, and verify the certificate against
// example.com.
func TestSOCKS5ProxyHTTPS(t *testing.T) {
	for _, scheme := range []string{"socks5h", "socks5"} {
		for _, tp := range tunnelProtocols {
			t.Run(scheme+"/"+tp.name, func(t *testing.T) {
				origin := startGo(t, bodyHandler(), "h2", "http/1.1")
				s := startSOCKS(t, origin, "user", "secret")
				pu := &url.URL{Scheme: scheme, Host: s.Addr(), User: url.UserPassword("user", "secret")}
				tlsCfg := origin.clientTLS()
				tlsCfg.ServerName = "example.com"
				host, want := "example.com", socks5test.Request{
					Target: "example.com:" + portOf(t, origin), AddrType: socks5test.ATypDomain, User: "user", Password: "secret",
				}
				if scheme == "socks5" {
					host = "localhost"
					want.Target = net.JoinHostPort(firstLocalhost(t), portOf(t, origin))
					want.AddrType = socks5test.ATypIPv4
					if net.ParseIP(firstLocalhost(t)).To4() == nil {
						want.AddrType = socks5test.ATypIPv6
					}
				}
				c := newClient(t, nil, plex.WithTLSConfig(tlsCfg), plex.WithProtocols(tp.proto), plex.WithProxy(http.ProxyURL(pu)))
				for range 2 {
					resp, body := get(t, c, "https://"+host+":"+portOf(t, origin)+"/blob/3000")
					require.Equal(t, tp.major, resp.ProtoMajor)
					require.Equal(t, "example.com", resp.TLS.ServerName)
					require.Equal(t, sum(pattern(3000)), sum(body))
				}
				require.Equal(t, []socks5test.Request{want}, s.Requests(), "one tunnel carried both requests")
			})
		}
	}
}

func TestSOCKS5ProxyCleartext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *goServer
		proto plex.Protocol
		major int
	}{
		{"http1.1", func(t *testing.T) *goServer { return startGo(t, bodyHandler()) }, plex.HTTP1, 1},
		{"h2c", func(t *testing.T) *goServer { return startH2C(t, bodyHandler()) }, plex.UnencryptedHTTP2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			origin := tc.start(t)
			s := startSOCKS(t, origin, "", "")
			c := newClient(t, nil, plex.WithProtocols(tc.proto),
				plex.WithProxy(http.ProxyURL(&url.URL{Scheme: "socks5h", Host: s.Addr()})))
			resp, body := get(t, c, "http://origin.test:"+portOf(t, origin)+"/blob/10")
			require.Equal(t, tc.major, resp.ProtoMajor)
			require.Equal(t, sum(pattern(10)), sum(body))
			require.Equal(t, []socks5test.Request{{Target: "origin.test:" + portOf(t, origin), AddrType: socks5test.ATypDomain}}, s.Requests())
		})
	}
}

// net/http gives a socks5:// proxy the host name, as if it were socks5h://.
// plex follows curl, reqwest and Python's requests instead: socks5://
// resolves the name locally and gives the proxy an address, and
// socks5h:// ("h" for host name) leaves resolution to the proxy. A program
// that relies on the proxy resolving names (an internal zone, Tor) must
// say socks5h://, which both clients treat alike.
func TestSOCKS5ResolutionAgainstNetHTTP(t *testing.T) {
	origin := startGo(t, bodyHandler(), "h2", "http/1.1")
	port := portOf(t, origin)
	tlsCfg := origin.clientTLS()
	tlsCfg.ServerName = "example.com"
	for _, tc := range []struct{ scheme, netHTTP, plex string }{
		{"socks5", "localhost:" + port, net.JoinHostPort(firstLocalhost(t), port)},
		{"socks5h", "localhost:" + port, "localhost:" + port},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			s := startSOCKS(t, origin, "", "")
			proxy := http.ProxyURL(&url.URL{Scheme: tc.scheme, Host: s.Addr()})

			tr := &http.Transport{Proxy: proxy, TLSClientConfig: tlsCfg.Clone(), ForceAttemptHTTP2: true}
			defer tr.CloseIdleConnections()
			req, err := http.NewRequest(http.MethodGet, "https://localhost:"+port+"/blob/1", nil)
			require.NoError(t, err)
			resp, err := tr.RoundTrip(req)
			require.NoError(t, err)
			resp.Body.Close()

			c := newClient(t, nil, plex.WithTLSConfig(tlsCfg), plex.WithProxy(proxy))
			get(t, c, "https://localhost:"+port+"/blob/1")

			reqs := s.Requests()
			require.Len(t, reqs, 2)
			require.Equal(t, tc.netHTTP, reqs[0].Target, "net/http")
			require.Equal(t, tc.plex, reqs[1].Target, "plex")
		})
	}
}

// With no proxy option, a Client uses the proxies the environment names,
// SOCKS5 among them, as http.DefaultTransport does.
func TestProxiesFromEnvironment(t *testing.T) {
	origin := startGo(t, bodyHandler(), "h2", "http/1.1")
	s := startSOCKS(t, origin, "", "")
	fwd := startProxy(t)
	t.Setenv("HTTPS_PROXY", "socks5h://"+s.Addr())
	t.Setenv("HTTP_PROXY", fwd.URL)
	t.Setenv("NO_PROXY", "")
	c := newClient(t, origin)

	resp, body := get(t, c, "https://example.com:"+portOf(t, origin)+"/blob/20")
	require.Equal(t, 2, resp.ProtoMajor)
	require.Equal(t, sum(pattern(20)), sum(body))
	require.Equal(t, []socks5test.Request{{Target: "example.com:" + portOf(t, origin), AddrType: socks5test.ATypDomain}}, s.Requests())

	_, body = get(t, c, "http://example.com:8080/path")
	require.Equal(t, "forwarded http://example.com:8080/path", string(body))

	// Loopback origins are never proxied.
	_, body = get(t, c, origin.URL+"/blob/5")
	require.Equal(t, sum(pattern(5)), sum(body))
	require.Len(t, s.Requests(), 1)
	require.EqualValues(t, 1, fwd.forwarded.Load())
}
