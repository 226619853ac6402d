package integration

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/retry"
)

// badTargets are URLs whose raw query or opaque part holds a byte that may
// not go out in a request target. Each would split an HTTP/1.1 request
// line or, in HTTP/2's :path, break RFC 9113 §8.2.1 (NUL, CR, LF) or the
// request-target grammar (§8.3.1, RFC 3986).
func badTargets(base *url.URL) map[string]*url.URL {
	with := func(f func(u *url.URL)) *url.URL {
		u := *base
		u.Path = "/target"
		f(&u)
		return &u
	}
	return map[string]*url.URL{
		"query CRLF":  with(func(u *url.URL) { u.RawQuery = "a=1\r\nX-Injected: yes" }),
		"query LF":    with(func(u *url.URL) { u.RawQuery = "a=1\nb" }),
		"query CR":    with(func(u *url.URL) { u.RawQuery = "a=1\rb" }),
		"query NUL":   with(func(u *url.URL) { u.RawQuery = "a=\x00" }),
		"query space": with(func(u *url.URL) { u.RawQuery = "a=1 HTTP/1.1" }),
		"query tab":   with(func(u *url.URL) { u.RawQuery = "a=\t" }),
		"query DEL":   with(func(u *url.URL) { u.RawQuery = "a=\x7f" }),
		"query ESC":   with(func(u *url.URL) { u.RawQuery = "a=\x1b" }),
		"opaque CRLF": with(func(u *url.URL) { u.Opaque = "/target\r\nX-Injected: yes" }),
		"opaque NUL":  with(func(u *url.URL) { u.Opaque = "/tar\x00get" }),
	}
}

// A request whose target holds a control byte, a space or DEL is refused
// before anything is written, on HTTP/1.1 and on HTTP/2 alike, with an
// error that says it was never sent (and is never retried). net/http's
// outcome for the same URL is logged beside ours.
func TestRequestTargetControlBytesRefusedOnBothProtocols(t *testing.T) {
	var mu sync.Mutex
	var seen []string // request targets the server received from plex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Client") == "plex" {
			mu.Lock()
			seen = append(seen, r.RequestURI)
			mu.Unlock()
		}
	})
	plexReq := func(u *url.URL) *http.Request {
		return &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{"X-Client": {"plex"}}, Host: u.Host}
	}
	for _, tc := range []struct {
		name      string
		plexProto plex.Protocol
		netProto  func(p *http.Protocols)
	}{
		{"http1", plex.HTTP1, func(p *http.Protocols) { p.SetHTTP1(true) }},
		{"h2", plex.HTTP2, func(p *http.Protocols) { p.SetHTTP2(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startGo(t, h, "h2", "http/1.1")
			base, err := url.Parse(s.URL)
			require.NoError(t, err)
			c := newClient(t, s, plex.WithProtocols(tc.plexProto))
			var protos http.Protocols
			tc.netProto(&protos)
			nt := &http.Transport{TLSClientConfig: s.clientTLS(), Protocols: &protos}
			defer nt.CloseIdleConnections()
			// A good request first, so a connection is open and reused:
			// the refusal must not cost it.
			first := *base
			first.Path = "/first"
			resp, err := c.RoundTrip(plexReq(&first))
			require.NoError(t, err)
			resp.Body.Close()

			for name, u := range badTargets(base) {
				req := plexReq(u)
				_, err := c.RoundTrip(req)
				require.Error(t, err, name)
				require.Contains(t, err.Error(), "invalid byte", name)
				require.Equal(t, retry.Invalid, retry.ProgressOf(err), "%s: marked as never sendable", name)
				require.NotErrorIs(t, err, plex.ErrMaybeProcessed, name)

				// net/http's HTTP/2 sends these and, when the server
				// resets the stream, dials again and again until the
				// context ends: a short one bounds the comparison.
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				dials := s.conns.Load()
				theirs := "sent, answered"
				nreq := req.Clone(ctx)
				nreq.Header.Del("X-Client")
				if resp, nerr := nt.RoundTrip(nreq); nerr != nil {
					theirs = "error: " + nerr.Error()
				} else {
					resp.Body.Close()
				}
				cancel()
				t.Logf("%-12s plex: refused, nothing sent; net/http: %s (%d new connections)", name, theirs, s.conns.Load()-dials)
			}
			require.Zero(t, c.Stats().Retries, "an invalid request is never sent again")

			// The escaped path never needs the check: bytes in Path
			// go out percent-encoded, and a RawPath that is not a valid
			// encoding of Path is ignored.
			u := *base
			u.Path, u.RawPath = "/a\r\nb", "/a\r\nb"
			resp, err = c.RoundTrip(plexReq(&u))
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			// And the connection served all of it.
			require.Equal(t, 1, c.Stats().HTTP1Conns+c.Stats().HTTP2Conns)
		})
	}
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"/first", "/a%0D%0Ab", "/first", "/a%0D%0Ab"}, seen, "all that plex sent")
}
