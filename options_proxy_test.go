package plex

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// setProxyEnv replaces the proxy environment for one test; the names not
// given are cleared, so the machine's settings never leak in.
func setProxyEnv(t *testing.T, kv map[string]string) {
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		t.Setenv(k, kv[k])
	}
}

func newProxyTestClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// routedProxy is the proxy c would use for rawURL, "" for none.
func routedProxy(t *testing.T, c *Client, rawURL string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	key, err := c.route(req)
	require.NoError(t, err)
	return key.Proxy
}

func TestProxyFromEnvironmentByDefault(t *testing.T) {
	setProxyEnv(t, map[string]string{
		"HTTPS_PROXY": "socks5h://secure.proxy:1080",
		"http_proxy":  "plain.proxy:3128", // no scheme: http is assumed
		"NO_PROXY":    "internal.test,10.0.0.0/8",
	})
	c := newProxyTestClient(t)
	for rawURL, want := range map[string]string{
		"https://example.com/":          "socks5h://secure.proxy:1080",
		"http://example.com/":           "http://plain.proxy:3128",
		"https://api.internal.test/":    "",
		"https://10.1.2.3/":             "",
		"http://localhost:8080/":        "",
		"https://127.0.0.1:8443/":       "",
		"https://[::1]:8443/":           "",
		"https://sub.localhost.test:1/": "socks5h://secure.proxy:1080",
	} {
		require.Equal(t, want, routedProxy(t, c, rawURL), rawURL)
	}
}

// net/http reads the environment once per process, so a program that sets
// HTTPS_PROXY after its first request never sees it. A plex Client reads it
// when it is built: each New sees the environment of that moment.
func TestProxyEnvironmentReadByEachNew(t *testing.T) {
	setProxyEnv(t, nil)
	req, err := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	require.NoError(t, err)
	netHTTPBefore, _ := http.ProxyFromEnvironment(req)
	before := newProxyTestClient(t)

	t.Setenv("HTTPS_PROXY", "http://proxy.test:3128")
	netHTTPAfter, _ := http.ProxyFromEnvironment(req)
	after := newProxyTestClient(t)

	require.Equal(t, netHTTPBefore, netHTTPAfter, "net/http: the environment was read once, before")
	require.Equal(t, "", routedProxy(t, before, "https://example.com/"), "a Client keeps the environment it was built with")
	require.Equal(t, "http://proxy.test:3128", routedProxy(t, after, "https://example.com/"))
}

func TestWithProxyNilTurnsProxiesOff(t *testing.T) {
	setProxyEnv(t, map[string]string{"HTTPS_PROXY": "http://proxy.test:3128", "HTTP_PROXY": "http://proxy.test:3128"})
	c := newProxyTestClient(t, WithProxy(nil))
	require.Equal(t, "", routedProxy(t, c, "https://example.com/"))
	require.Equal(t, "", routedProxy(t, c, "http://example.com/"))
}

func TestNoProxyEnvironmentCostsNothingPerRequest(t *testing.T) {
	setProxyEnv(t, map[string]string{"NO_PROXY": "example.com"})
	c := newProxyTestClient(t)
	require.Nil(t, c.cfg.proxy, "no proxy named, no function to ask")
}

// As with net/http, a proxy value that does not parse is ignored.
func TestUnparsableProxyEnvironmentIsIgnored(t *testing.T) {
	setProxyEnv(t, map[string]string{"HTTPS_PROXY": "%zz", "HTTP_PROXY": "http://proxy.test:3128"})
	c := newProxyTestClient(t)
	require.Equal(t, "", routedProxy(t, c, "https://example.com/"))
	require.Equal(t, "http://proxy.test:3128", routedProxy(t, c, "http://example.com/"))
}

// In a CGI program HTTP_PROXY may come from a request's Proxy header
// ("httpoxy"), so http requests fail rather than use it, as in net/http.
func TestCGIRefusesHTTPProxyEnvironment(t *testing.T) {
	setProxyEnv(t, map[string]string{"HTTP_PROXY": "http://attacker.test:3128", "REQUEST_METHOD": "GET"})
	c := newProxyTestClient(t)
	req, err := http.NewRequest(http.MethodGet, "http://example.com/", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorContains(t, err, "plex: choosing proxy: refusing to use HTTP_PROXY value in CGI environment")
	require.NotErrorIs(t, err, ErrMaybeProcessed)
}

func TestProxyConnectOptionsReachTheDialer(t *testing.T) {
	h := http.Header{"X-Team": {"payments"}}
	get := func(context.Context, *url.URL, string) (http.Header, error) { return nil, nil }
	on := func(context.Context, *url.URL, *http.Request, *http.Response) error { return nil }
	c := newProxyTestClient(t, WithProxyConnectHeader(h), WithGetProxyConnectHeader(get), WithOnProxyConnectResponse(on))
	h.Set("X-Team", "changed later")
	require.Equal(t, http.Header{"X-Team": {"payments"}}, c.dialer.ProxyConnectHeader, "the header is copied")
	require.NotNil(t, c.dialer.GetProxyConnectHeader)
	require.NotNil(t, c.dialer.OnProxyConnectResponse)

	d := newProxyTestClient(t).dialer
	require.Nil(t, d.ProxyConnectHeader)
	require.Nil(t, d.GetProxyConnectHeader)
	require.Nil(t, d.OnProxyConnectResponse)
}

func TestInvalidProxyConnectHeaderRefusedByNew(t *testing.T) {
	_, err := New(WithProxyConnectHeader(http.Header{"X-A": {"v\r\nX-Smuggled: 1"}}))
	require.EqualError(t, err, `alpn: ProxyConnectHeader: invalid value for header field "X-A"`)
}

// A failing GetProxyConnectHeader stops the request before anything is
// sent, so the error says it was not processed.
func TestGetProxyConnectHeaderErrorFailsUnprocessed(t *testing.T) {
	boom := errors.New("no ticket")
	calls := 0
	c := newProxyTestClient(t,
		WithProxy(http.ProxyURL(&url.URL{Scheme: "http", Host: "127.0.0.1:1"})),
		WithGetProxyConnectHeader(func(context.Context, *url.URL, string) (http.Header, error) {
			calls++
			return nil, boom
		}))
	req, err := http.NewRequest(http.MethodPost, "https://example.com/", bytes.NewReader([]byte("x")))
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, boom)
	require.NotErrorIs(t, err, ErrMaybeProcessed)
	require.Equal(t, 1, calls, "not retried")
}
