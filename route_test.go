package plex

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/pool"
)

func TestRouteNamesTheOrigin(t *testing.T) {
	c, err := New(WithProtocols(HTTP1, HTTP2))
	require.NoError(t, err)
	defer c.Close()
	for _, tc := range []struct {
		url  string
		want pool.Key
	}{
		{"https://example.com/x", pool.Key{Scheme: "https", Addr: "example.com:443", MayMultiplex: true}},
		{"http://example.com/x", pool.Key{Scheme: "http", Addr: "example.com:80"}},
		{"http://example.com:8080/", pool.Key{Scheme: "http", Addr: "example.com:8080"}},
		{"https://[::1]/", pool.Key{Scheme: "https", Addr: "[::1]:443", MayMultiplex: true}},
		{"https://[::1]:8443/", pool.Key{Scheme: "https", Addr: "[::1]:8443", MayMultiplex: true}},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		require.NoError(t, err)
		key, err := c.route(req)
		require.NoError(t, err)
		require.Equal(t, tc.want, key, tc.url)
	}
}

func TestRouteRefusesWhatCannotBeSent(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	for _, tc := range []struct {
		req  *http.Request
		want string
	}{
		{nil, "nil request"},
		{&http.Request{Method: "GET"}, "nil request URL"},
		{&http.Request{URL: &url.URL{Scheme: "ftp", Host: "x"}}, `unsupported protocol scheme "ftp"`},
		{&http.Request{URL: &url.URL{Scheme: "http"}}, "no host"},
		{&http.Request{URL: &url.URL{Scheme: "http", Host: "a b"}}, "invalid host"},
		{&http.Request{URL: &url.URL{Scheme: "http", Host: ":80"}}, "invalid host"},
	} {
		_, err := c.route(tc.req)
		require.ErrorContains(t, err, tc.want)
	}
	_, err = c.RoundTrip(&http.Request{URL: &url.URL{Scheme: "ftp", Host: "x"}})
	require.ErrorContains(t, err, "unsupported protocol scheme")
}

func TestRouteUsesProxyAndH2CSettings(t *testing.T) {
	proxyURL, err := url.Parse("http://proxy.local:3128")
	require.NoError(t, err)
	c, err := New(WithProtocols(UnencryptedHTTP2), WithProxy(http.ProxyURL(proxyURL)))
	require.NoError(t, err)
	defer c.Close()
	req, err := http.NewRequest(http.MethodGet, "http://example.com/", nil)
	require.NoError(t, err)
	key, err := c.route(req)
	require.NoError(t, err)
	require.Equal(t, pool.Key{Scheme: "http", Addr: "example.com:80", Proxy: "http://proxy.local:3128", MayMultiplex: true}, key)

	failing := errors.New("no proxy for you")
	c2, err := New(WithProxy(func(*http.Request) (*url.URL, error) { return nil, failing }))
	require.NoError(t, err)
	defer c2.Close()
	_, err = c2.route(req)
	require.ErrorIs(t, err, failing)
}

func TestRouteRefusesSchemeWithoutProtocol(t *testing.T) {
	c, err := New(WithProtocols(UnencryptedHTTP2))
	require.NoError(t, err)
	defer c.Close()
	req, err := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	require.NoError(t, err)
	_, err = c.route(req)
	require.ErrorContains(t, err, "neither HTTP1 nor HTTP2")
}

// BenchmarkRoute: naming the origin is on every request's path; a URL
// without a port (the common case) must not allocate.
func BenchmarkRoute(b *testing.B) {
	c, err := New()
	require.NoError(b, err)
	defer c.Close()
	for _, u := range []string{"https://example.com/x", "http://example.com:8080/x"} {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(b, err)
		b.Run(req.URL.Host, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.route(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestAddrCacheStopsGrowing(t *testing.T) {
	var a addrCache
	for i := range maxCachedAddrs + 100 {
		h := "h" + strconv.Itoa(i)
		a.put(h, h+":80")
	}
	require.EqualValues(t, maxCachedAddrs, a.n.Load())
	addr, ok := a.get("h0")
	require.True(t, ok)
	require.Equal(t, "h0:80", addr)
	_, ok = a.get("h" + strconv.Itoa(maxCachedAddrs+50))
	require.False(t, ok)
}
