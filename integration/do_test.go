package integration

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

func TestDoFollowsRedirectsAndKeepsCookies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc"})
		http.Redirect(w, r, "/end", http.StatusFound)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("session")
		if err != nil {
			http.Error(w, "no cookie", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "cookie="+ck.Value)
	})
	s := startGo(t, mux)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := newClient(t, s, plex.WithJar(jar))
	req, err := http.NewRequest(http.MethodGet, s.URL+"/start", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "cookie=abc", string(body))
	require.Equal(t, "/end", resp.Request.URL.Path)
}

func TestDoRedirectPolicy(t *testing.T) {
	s := startGo(t, http.RedirectHandler("/elsewhere", http.StatusFound))
	stop := errors.New("no redirects here")
	c := newClient(t, s, plex.WithCheckRedirect(func(*http.Request, []*http.Request) error { return stop }))
	req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
	require.NoError(t, err)
	_, err = c.Do(req)
	require.ErrorIs(t, err, stop)
}

func TestDoTimeoutIsANetTimeout(t *testing.T) {
	release := make(chan struct{})
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	c := newClient(t, s, plex.WithTimeout(50*time.Millisecond))
	req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
	require.NoError(t, err)
	_, err = c.Do(req)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "error %v", err)
}

func TestDeadlineExceededMatchesContext(t *testing.T) {
	release := make(chan struct{})
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer close(release)
	c := newClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestClientClosed(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{})
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			close(started)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer close(release)
	c, err := plex.New()
	require.NoError(t, err)
	_, err = send(c, http.MethodGet, s.URL+"/", "")
	require.NoError(t, err)

	inflight := make(chan error, 1)
	go func() {
		_, err := send(c, http.MethodGet, s.URL+"/hang", "")
		inflight <- err
	}()
	<-started
	require.NoError(t, c.Close())
	require.Error(t, <-inflight, "a request in flight fails at Close")
	_, err = send(c, http.MethodGet, s.URL+"/", "")
	require.ErrorIs(t, err, plex.ErrClientClosed)
	req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
	require.NoError(t, err)
	_, err = c.Do(req)
	require.ErrorIs(t, err, plex.ErrClientClosed)
	require.NoError(t, c.Close(), "Close twice is fine")
}
