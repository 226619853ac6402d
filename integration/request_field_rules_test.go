package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// fieldClients are the clients a request-field rule is checked with: plex
// and net/http's Transport, each on HTTP/1.1 and HTTP/2, against s.
func fieldClients(t *testing.T, s *goServer) map[string]http.RoundTripper {
	t.Helper()
	p1, err := plex.New(plex.WithProtocols(plex.HTTP1), plex.WithTLSConfig(s.clientTLS()))
	require.NoError(t, err)
	p2, err := plex.New(plex.WithProtocols(plex.HTTP2), plex.WithTLSConfig(s.clientTLS()))
	require.NoError(t, err)
	g1 := &http.Transport{TLSClientConfig: s.clientTLS()}
	g2 := &http.Transport{TLSClientConfig: s.clientTLS(), ForceAttemptHTTP2: true}
	t.Cleanup(func() {
		p1.Close()
		p2.Close()
		g1.CloseIdleConnections()
		g2.CloseIdleConnections()
	})
	return map[string]http.RoundTripper{"plex/1.1": p1, "plex/2": p2, "net/http/1.1": g1, "net/http/2": g2}
}

func trailerRequest(ctx context.Context, t *testing.T, url string, tr http.Header) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, io.NopCloser(strings.NewReader("body")))
	require.NoError(t, err)
	req.ContentLength = -1 // chunked on HTTP/1.1, so trailers can follow
	req.Trailer = tr
	return req
}

// A trailer may not carry fields RFC 9110 section 6.5.1 forbids there,
// framing ones above all: "Content-Length: 99" after a chunked body would
// contradict the framing. net/http refuses Content-Length and
// Transfer-Encoding trailers on both protocols; plex refuses those, and
// the rest of the forbidden set (Host, Authorization, ...), before writing
// anything.
func TestForbiddenTrailerRefusedOnBothProtocols(t *testing.T) {
	var served atomic.Int64
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		served.Add(1)
		w.Write([]byte(r.Proto))
	}), "h2", "http/1.1")
	clients := fieldClients(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	// The control request shows each client speaks the protocol its name says
	// and that trailers are sent at all.
	for name, rt := range clients {
		resp, err := rt.RoundTrip(trailerRequest(ctx, t, s.URL, http.Header{"X-Sum": {"1"}}))
		require.NoError(t, err, name)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, map[bool]string{true: "HTTP/2.0", false: "HTTP/1.1"}[strings.HasSuffix(name, "/2")], string(body), name)
	}
	before := served.Load()

	for _, key := range []string{"Content-Length", "Transfer-Encoding", "content-length"} {
		for name, rt := range clients {
			_, err := rt.RoundTrip(trailerRequest(ctx, t, s.URL, http.Header{key: {"99"}}))
			require.Error(t, err, "%s with a %s trailer", name, key)
			require.Contains(t, strings.ToLower(err.Error()), "trailer", name)
		}
	}
	// Beyond net/http's set: plex only.
	for _, key := range []string{"Host", "Authorization", "Content-Type"} {
		for _, name := range []string{"plex/1.1", "plex/2"} {
			_, err := clients[name].RoundTrip(trailerRequest(ctx, t, s.URL, http.Header{key: {"x"}}))
			require.ErrorContains(t, err, "is not allowed in a trailer section", "%s with a %s trailer", name, key)
		}
	}
	require.Equal(t, before, served.Load(), "no refused request reached the server")
}

// captureHeads starts a server that answers every request on HTTP/1.1 and
// sends the raw bytes of each request head to heads.
func captureHeads(t *testing.T) (*rawServer, <-chan string) {
	heads := make(chan string, 16)
	s := startRaw(t, func(s *rawServer, c net.Conn, br *bufio.Reader, _ int) {
		for {
			var head strings.Builder
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				head.WriteString(line)
				if line == "\r\n" {
					break
				}
			}
			heads <- head.String()
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	return s, heads
}

// A header key set in another case than the canonical one ("host",
// "CONTENT-LENGTH") is not the field the writer produces, so net/http
// sends it beside its own: two Host fields on the wire. plex refuses the
// request instead, on both protocols, as a deliberate difference.
func TestMisspelledManagedHeaderKeyRefused(t *testing.T) {
	s, heads := captureHeads(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	newReq := func(k, v string) *http.Request {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/", nil)
		require.NoError(t, err)
		req.Header[k] = []string{v}
		return req
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(newReq("host", "evil.example"))
	require.NoError(t, err)
	resp.Body.Close()
	var head string
	select {
	case head = <-heads:
	case <-ctx.Done():
		t.Fatal("no request reached the server")
	}
	require.Contains(t, head, "Host: "+strings.TrimPrefix(s.URL, "http://")+"\r\n")
	require.Contains(t, head, "host: evil.example\r\n", "net/http sends the second Host")

	c := newClient(t, nil, plex.WithProtocols(plex.HTTP1))
	for _, k := range []string{"host", "HOST", "content-length", "transfer-encoding"} {
		_, err := c.RoundTrip(newReq(k, "1"))
		require.ErrorContains(t, err, "is not in canonical form", k)
	}
	require.Len(t, heads, 0, "plex wrote none of them")

	// HTTP/2 follows the same rule.
	g := startGo(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), "h2")
	c2 := newClient(t, g, plex.WithProtocols(plex.HTTP2))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.URL, nil)
	require.NoError(t, err)
	req.Header["te"] = []string{"gzip"}
	_, err = c2.RoundTrip(req)
	require.ErrorContains(t, err, `h2: request header key "te" is not in canonical form`)
}
