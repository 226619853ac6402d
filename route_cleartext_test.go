package plex

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/pool"
)

func TestRouteAsksTheCleartextProtocol(t *testing.T) {
	var asked []string
	choose := func(addr string) Protocol {
		asked = append(asked, addr)
		switch addr {
		case "h2c.internal:8080":
			return UnencryptedHTTP2
		case "h1.internal:80":
			return HTTP1
		case "bad.internal:80":
			return HTTP2
		}
		return 0
	}
	c, err := New(WithProtocols(HTTP1, HTTP2, UnencryptedHTTP2), WithCleartextProtocol(choose))
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.dialer.H2C, "the dialer may speak h2c; keys that may not multiplex ask for HTTP/1.1")

	route := func(url string, h http.Header) (pool.Key, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		for k, v := range h {
			req.Header[k] = v
		}
		return c.route(req)
	}
	for _, tc := range []struct {
		url  string
		want pool.Key
	}{
		{"http://h2c.internal:8080/x", pool.Key{Scheme: "http", Addr: "h2c.internal:8080", MayMultiplex: true}},
		{"http://h1.internal/x", pool.Key{Scheme: "http", Addr: "h1.internal:80"}},
		{"http://other.internal/x", pool.Key{Scheme: "http", Addr: "other.internal:80"}}, // 0: WithProtocols' rule, HTTP1 first
		{"https://h2c.internal:8080/x", pool.Key{Scheme: "https", Addr: "h2c.internal:8080", MayMultiplex: true}},
	} {
		key, err := route(tc.url, nil)
		require.NoError(t, err)
		require.Equal(t, tc.want, key, tc.url)
	}
	require.Equal(t, []string{"h2c.internal:8080", "h1.internal:80", "other.internal:80"}, asked, "https origins are never asked")

	key, err := route("http://h2c.internal:8080/ws", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}})
	require.NoError(t, err)
	require.False(t, key.MayMultiplex, "a protocol switch still goes on HTTP/1.1")

	_, err = route("http://bad.internal/", nil)
	require.EqualError(t, err, "plex: WithCleartextProtocol chose HTTP/2 for http://bad.internal:80; only HTTP1 or UnencryptedHTTP2 can carry http:// URLs")
}

func TestCleartextProtocolMustBeConfigured(t *testing.T) {
	c, err := New(WithProtocols(HTTP1, HTTP2), WithCleartextProtocol(func(string) Protocol { return UnencryptedHTTP2 }))
	require.NoError(t, err)
	defer c.Close()
	req, err := http.NewRequest(http.MethodGet, "http://h2c.internal/", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.EqualError(t, err, "plex: WithCleartextProtocol chose h2c for http://h2c.internal:80, but UnencryptedHTTP2 is not in WithProtocols")

	only2, err := New(WithProtocols(UnencryptedHTTP2), WithCleartextProtocol(func(string) Protocol { return HTTP1 }))
	require.NoError(t, err)
	defer only2.Close()
	_, err = only2.route(req)
	require.EqualError(t, err, "plex: WithCleartextProtocol chose HTTP/1.1 for http://h2c.internal:80, but HTTP1 is not in WithProtocols")
	nochoice, err := New(WithProtocols(UnencryptedHTTP2), WithCleartextProtocol(func(string) Protocol { return 0 }))
	require.NoError(t, err)
	defer nochoice.Close()
	key, err := nochoice.route(req)
	require.NoError(t, err)
	require.True(t, key.MayMultiplex, "0 keeps WithProtocols' rule: h2c only")
}
