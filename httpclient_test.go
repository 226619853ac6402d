package plex

import (
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// HTTPClient carries WithTimeout, WithCheckRedirect and WithJar, which an
// http.Client built around the Client as a bare Transport does not.
func TestHTTPClientKeepsDoOptions(t *testing.T) {
	var sawCookie atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
			http.Redirect(w, r, "/check", http.StatusFound)
		case "/check":
			_, err := r.Cookie("k")
			sawCookie.Store(err == nil)
		}
	}))
	defer srv.Close()

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	stop := errors.New("no redirects here")
	checkRedirect := func(*http.Request, []*http.Request) error { return stop }
	c, err := New(WithTimeout(7*time.Second), WithJar(jar), WithCheckRedirect(checkRedirect))
	require.NoError(t, err)
	defer c.Close()

	hc := c.HTTPClient()
	require.Same(t, c, hc.Transport)
	require.Equal(t, 7*time.Second, hc.Timeout)
	require.Same(t, jar, hc.Jar)
	_, err = hc.Get(srv.URL + "/set")
	require.ErrorIs(t, err, stop, "the configured redirect policy ran")
	require.Len(t, jar.Cookies(mustURL(t, srv.URL)), 1, "the configured jar stored the cookie")

	hc.Timeout = time.Nanosecond
	require.Equal(t, 7*time.Second, c.HTTPClient().Timeout, "each caller gets its own http.Client")

	// The bare-Transport client, side by side: none of the three options.
	bare := &http.Client{Transport: c}
	resp, err := bare.Get(srv.URL + "/set")
	require.NoError(t, err, "redirect followed: WithCheckRedirect dropped")
	resp.Body.Close()
	require.False(t, sawCookie.Load(), "WithJar dropped")
	require.Zero(t, bare.Timeout, "WithTimeout dropped")
}

func TestHTTPClientAfterClose(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	hc := c.HTTPClient()
	require.NoError(t, c.Close())
	_, err = hc.Get("http://127.0.0.1:1/")
	require.ErrorIs(t, err, ErrClientClosed)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
