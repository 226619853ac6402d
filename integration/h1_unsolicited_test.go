package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plexhttp/plex"
	"github.com/stretchr/testify/require"
)

// Bytes a server sends that no request asked for must never be taken for
// the answer to the next request: the connection that carried them is
// dropped, and the next request goes out on another one. Each case runs
// 20 times through plex and through net/http's Transport.

func okBody(body string) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// strayCase is the first exchange on the first connection: the request's
// method, the server's answer (which may already carry extra bytes), and
// bytes the server writes once the client is done with that exchange.
type strayCase struct {
	name   string
	method string
	answer string
	later  string
}

var strayCases = []strayCase{
	{"response on idle connection", http.MethodGet, okBody("one"), okBody("stray")},
	{"HEAD answered with a body in the same write", http.MethodHead,
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstray", ""},
	{"HEAD answered with a body written later", http.MethodHead,
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "stray"},
	{"HEAD answered with a whole response written later", http.MethodHead,
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", okBody("stray")},
	{"204 followed by a response in the same write", http.MethodGet,
		"HTTP/1.1 204 No Content\r\n\r\n" + okBody("stray"), ""},
}

// strayServer plays c on its first connection and answers every other
// request with its path as the body. release lets it write c.later; wrote
// says it was written; dropped says the client closed the first connection.
type strayServer struct {
	*rawServer
	release, wrote, dropped chan struct{}
}

func startStray(t *testing.T, c strayCase) *strayServer {
	s := &strayServer{release: make(chan struct{}), wrote: make(chan struct{}), dropped: make(chan struct{})}
	s.rawServer = startRaw(t, func(rs *rawServer, conn net.Conn, br *bufio.Reader, n int) {
		if n == 0 {
			defer close(s.dropped)
		}
		for first := n == 0; ; first = false {
			req := rs.read(br)
			if req == nil {
				return
			}
			if !first {
				io.WriteString(conn, okBody(strings.TrimPrefix(req.URL.Path, "/")))
				continue
			}
			io.WriteString(conn, c.answer)
			if c.later == "" {
				continue
			}
			select {
			case <-s.release:
			case <-time.After(10 * time.Second):
				return
			}
			io.WriteString(conn, c.later)
			close(s.wrote)
		}
	})
	return s
}

// wait fails the test unless ch closes within a few seconds.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting: %s", what)
	}
}

func doBody(ctx context.Context, rt http.RoundTripper, method, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// strayTry runs one case: the first exchange, the stray bytes, then GET
// /two, returning the second body or error. waitDrop says to wait until the
// client dropped the first connection before the second request: net/http
// notices stray bytes in its per-connection read goroutine, in the
// background; plex looks when the next request is about to be written, so
// it is given no time at all.
func strayTry(t *testing.T, c strayCase, rt http.RoundTripper, waitDrop bool) (string, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	s := startStray(t, c)
	_, err := doBody(ctx, rt, c.method, s.URL+"/one")
	require.NoError(t, err)
	if c.later != "" {
		close(s.release)
		wait(t, s.wrote, "the stray bytes to be written")
	}
	if waitDrop {
		wait(t, s.dropped, "the client to drop the connection")
	}
	body, err := doBody(ctx, rt, http.MethodGet, s.URL+"/two")
	if err == nil && body == "two" {
		// Right, and so the first connection was given up.
		wait(t, s.dropped, "the client to drop the connection")
	}
	return body, err
}

func TestUnsolicitedBytesNeverAnswerTheNextRequest(t *testing.T) {
	const tries = 20
	for _, c := range strayCases {
		t.Run(c.name, func(t *testing.T) {
			right := 0
			for range tries {
				pc, err := plex.New(plex.WithProtocols(plex.HTTP1))
				require.NoError(t, err)
				body, err := strayTry(t, c, pc, false)
				require.NoError(t, pc.Close())
				if err == nil && body == "two" {
					right++
				} else {
					t.Logf("GET /two: body %q, error %v", body, err)
				}
			}
			require.Equal(t, tries, right, "plex: tries where GET /two got its own body")
		})
		t.Run(c.name+"/net/http", func(t *testing.T) {
			right := 0
			for range tries {
				tr := &http.Transport{DisableCompression: true}
				body, err := strayTry(t, c, tr, true)
				tr.CloseIdleConnections()
				if err == nil && body == "two" {
					right++
				}
			}
			require.Equal(t, tries, right, "net/http: tries where GET /two got its own body")
		})
	}
}
