package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/plexhttp/plex"
)

// Exchanges that succeed, against Go's server.
func diffExchangeScenarios() []diffScenario {
	return []diffScenario{
		{
			name: "get with 103 early hints and trailers", protos: allProtos,
			setup: goHandler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", "</style.css>; rel=preload")
				w.WriteHeader(http.StatusEarlyHints)
				w.Header().Set("Trailer", "X-Checksum")
				w.Header().Set("X-Answer", "42")
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, "hello")
				w.Header().Set("X-Checksum", "abc")
			}),
		},
		{
			name: "get on a reused connection", protos: allProtos, warm: true,
			setup: goHandler(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "again") }),
		},
		{
			name: "head", protos: allProtos, method: http.MethodHead,
			setup: goHandler(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1234")
			}),
		},
		{
			name: "100-continue", protos: allProtos, method: http.MethodPost,
			cfg:    diffConfig{expectContinueTimeout: 5 * time.Second},
			header: http.Header{"Expect": {"100-continue"}},
			body:   func() io.Reader { return bytes.NewReader(pattern(1000)) },
			setup:  goHandler(sumBody),
		},
		{
			name: "redirects with a cookie jar", protos: allProtos,
			path: "/start", cfg: diffConfig{jar: newJar},
			setup: goHandler(redirectWithCookie),
		},
		{
			// The issue: &http.Client{Transport: c} drops WithJar and
			// WithCheckRedirect; HTTPClient gives the configured one.
			name: "configured *http.Client", protos: []diffProto{dH2, dH1C},
			path: "/start",
			cfg: diffConfig{jar: newJar, httpClient: true, timeout: 10 * time.Second,
				checkRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			setup: goHandler(redirectWithCookie),
		},
		{
			// net/http carries an Upgrade: websocket request on an
			// HTTP/1.1 connection of its own even where the origin offers
			// h2, and the connection is the caller's after the 101: closing
			// the client does not end it.
			name: "upgrade to websocket with 101", protos: []diffProto{dH2, dH1C},
			header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}},
			setup:  goHandler(upgradeEcho),
			read:   upgradedExchange,
		},
		{
			// net/http's Protocols rule: with HTTP1 in the set, http://
			// goes over HTTP/1.1 even when UnencryptedHTTP2 is there too.
			name: "protocols HTTP1+UnencryptedHTTP2 to an h2c-capable server", protos: []diffProto{dH1C},
			cfg:   diffConfig{protocols: []plex.Protocol{plex.HTTP1, plex.UnencryptedHTTP2}},
			setup: goHandler(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }),
		},
		{
			name: "protocols HTTP1+UnencryptedHTTP2 to an HTTP/1.1-only server", protos: []diffProto{dH1C},
			cfg: diffConfig{protocols: []plex.Protocol{plex.HTTP1, plex.UnencryptedHTTP2}},
			setup: func(t *testing.T, _ diffProto) diffTarget {
				s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }))
				return diffTarget{url: s.URL}
			},
		},
	}
}

func newJar() http.CookieJar {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New fails only for a bad public-suffix list, and there is none
	}
	return jar
}

// sumBody answers with the body's length and checksum.
func sumBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d %s", len(b), sum(b))
}

// redirectWithCookie: /start sets a cookie and redirects to /next, which
// says which cookie it got.
func redirectWithCookie(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/start":
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
		http.Redirect(w, r, "/next", http.StatusFound)
	case "/next":
		c, err := r.Cookie("session")
		if err != nil {
			io.WriteString(w, "no cookie")
			return
		}
		io.WriteString(w, "cookie "+c.Value)
	default:
		http.NotFound(w, r)
	}
}

// upgradeEcho switches to a line echo protocol on HTTP/1.1 and refuses the
// upgrade on HTTP/2, where a 101 does not exist.
func upgradeEcho(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 1 || r.Header.Get("Upgrade") != "websocket" {
		http.Error(w, "upgrade needs HTTP/1.1", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	if brw.Flush() != nil {
		return
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.Copy(conn, brw)
}

// upgradedExchange talks over a 101's connection, closes the client (as a
// program does while its WebSockets live on), and talks again.
func upgradedExchange(s *diffSide) func(*http.Response) (string, error) {
	return func(resp *http.Response) (string, error) {
		if resp.StatusCode != http.StatusSwitchingProtocols {
			return readAll(resp)
		}
		rw, ok := resp.Body.(io.ReadWriteCloser)
		if !ok {
			return "", errors.New("diff: the body of a 101 is not an io.ReadWriteCloser")
		}
		stop := time.AfterFunc(10*time.Second, func() { rw.Close() })
		defer stop.Stop()
		var out strings.Builder
		for _, msg := range []string{"before close\n", "after close\n"} {
			if msg == "after close\n" {
				s.close()
			}
			if _, err := io.WriteString(rw, msg); err != nil {
				return out.String(), err
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(rw, got); err != nil {
				return out.String(), err
			}
			out.Write(got)
		}
		return out.String(), nil
	}
}
