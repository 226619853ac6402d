package plex

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/pool"
)

// http:// origins follow net/http's Transport.Protocols: HTTP/1.1 whenever
// HTTP1 is in the set, prior-knowledge HTTP/2 only without it.
func TestRouteCleartextProtocolFollowsNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		protos []Protocol
		mux    bool
	}{
		{[]Protocol{HTTP1}, false},
		{[]Protocol{HTTP1, UnencryptedHTTP2}, false},
		{[]Protocol{HTTP1, HTTP2, UnencryptedHTTP2}, false},
		{[]Protocol{UnencryptedHTTP2}, true},
		{[]Protocol{HTTP2, UnencryptedHTTP2}, true},
	} {
		c, err := New(WithProtocols(tc.protos...))
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodGet, "http://example.com/", nil)
		require.NoError(t, err)
		key, err := c.route(req)
		require.NoError(t, err)
		require.Equal(t, tc.mux, key.MayMultiplex, "protocols %v", tc.protos)
		require.Equal(t, tc.mux, c.dialer.H2C, "protocols %v", tc.protos)
		require.NoError(t, c.Close())
	}
}

// A request that asks to switch protocols goes to a key that never
// multiplexes (dialed for HTTP/1.1 alone), whatever the protocol token;
// other requests to the same origin keep theirs.
func TestRouteSendsUpgradeToHTTP1Key(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	for _, tc := range []struct {
		name    string
		conn    []string
		upgrade []string
		mux     bool
	}{
		{"plain", nil, nil, true},
		{"websocket", []string{"Upgrade"}, []string{"websocket"}, false},
		{"any token", []string{"upgrade"}, []string{"my-proto/2"}, false},
		{"token list", []string{"keep-alive, Upgrade"}, []string{"echo"}, false},
		{"second Connection line", []string{"keep-alive", "upgrade"}, []string{"echo"}, false},
		{"upgrade header alone", nil, []string{"echo"}, true},
		{"connection alone", []string{"upgrade"}, nil, true},
		{"empty upgrade", []string{"upgrade"}, []string{""}, true},
	} {
		req, err := http.NewRequest(http.MethodGet, "https://example.com/", nil)
		require.NoError(t, err)
		if tc.conn != nil {
			req.Header["Connection"] = tc.conn
		}
		if tc.upgrade != nil {
			req.Header["Upgrade"] = tc.upgrade
		}
		key, err := c.route(req)
		require.NoError(t, err, tc.name)
		require.Equal(t, pool.Key{Scheme: "https", Addr: "example.com:443", MayMultiplex: tc.mux}, key, tc.name)
	}
}

// Without HTTP1 an upgrade cannot be carried at all: the error says so
// before anything is dialed, and is not marked as possibly processed.
func TestRouteRefusesUpgradeWithoutHTTP1(t *testing.T) {
	for _, tc := range []struct {
		protos []Protocol
		url    string
	}{
		{[]Protocol{HTTP2}, "https://example.com/"},
		{[]Protocol{UnencryptedHTTP2}, "http://example.com/"},
	} {
		c, err := New(WithProtocols(tc.protos...))
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		require.NoError(t, err)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		_, err = c.RoundTrip(req)
		require.ErrorContains(t, err, `switch to protocol "websocket", which needs HTTP/1.1, but HTTP1 is not in WithProtocols`)
		require.NotErrorIs(t, err, ErrMaybeProcessed)
		require.Zero(t, c.Stats().Dials)
		require.NoError(t, c.Close())
	}
}
