package integration

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// A parity mode is one way of reaching Go's own server, set up the same
// way on http.Transport and on plex.
type parityMode struct {
	name  string
	start func(t *testing.T, h http.Handler) *goServer
	// localhost dials "localhost" instead of 127.0.0.1, so that the DNS
	// hooks fire.
	localhost bool
	std       func(p *http.Protocols)
	plex      []plex.Option
	h2        bool
	// stdTwoPools: net/http carries h2c through both of its pools. Each
	// fires GetConn for a request on a reused connection, and the HTTP/1
	// pool, not seeing the connection the HTTP/2 pool has, at times starts
	// a dial it then leaves unused. plex has one pool, fires GetConn once
	// and dials only for a connection it uses; the duplicate GetConn and
	// the unused dial's hooks are dropped from net/http's sequence before
	// comparing.
	stdTwoPools bool
}

var parityModes = []parityMode{
	{
		name:  "HTTP1",
		start: func(t *testing.T, h http.Handler) *goServer { return startGo(t, h) },
		std:   func(p *http.Protocols) { p.SetHTTP1(true) },
	},
	{
		name:      "HTTP1 via localhost",
		start:     func(t *testing.T, h http.Handler) *goServer { return startGo(t, h) },
		localhost: true,
		std:       func(p *http.Protocols) { p.SetHTTP1(true) },
	},
	{
		name:  "HTTP1 over TLS",
		start: func(t *testing.T, h http.Handler) *goServer { return startGo(t, h, "http/1.1") },
		std:   func(p *http.Protocols) { p.SetHTTP1(true); p.SetHTTP2(true) },
	},
	{
		name:  "HTTP2 over TLS",
		start: func(t *testing.T, h http.Handler) *goServer { return startGo(t, h, "h2", "http/1.1") },
		std:   func(p *http.Protocols) { p.SetHTTP1(true); p.SetHTTP2(true) },
		h2:    true,
	},
	{
		name:  "h2c",
		start: startH2C,
		std:   func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) },
		plex:  []plex.Option{plex.WithProtocols(plex.UnencryptedHTTP2)},
		h2:    true,

		stdTwoPools: true,
	},
	{
		name:      "h2c via localhost",
		start:     startH2C,
		localhost: true,
		std:       func(p *http.Protocols) { p.SetUnencryptedHTTP2(true) },
		plex:      []plex.Option{plex.WithProtocols(plex.UnencryptedHTTP2)},
		h2:        true,

		stdTwoPools: true,
	},
}

// A parity step is one request; the steps of a mode run in order on one
// client, so the first dials and the rest reuse its connection.
type parityStep struct {
	name, method, path, body string
	header                   http.Header
	trailer                  http.Header // sent after a body of unknown length
	h1Only                   bool        // the step is about HTTP/1.1 connection handling
}

var paritySteps = []parityStep{
	{name: "fresh GET", method: http.MethodGet, path: "/get"},
	{name: "reused GET", method: http.MethodGet, path: "/get"},
	{name: "POST with body", method: http.MethodPost, path: "/post", body: "payload"},
	{name: "204 without body", method: http.MethodGet, path: "/empty"},
	{name: "HEAD", method: http.MethodHead, path: "/get"},
	{name: "Expect: 100-continue", method: http.MethodPut, path: "/continue", body: "after the 100",
		header: http.Header{"Expect": {"100-continue"}}},
	{name: "103 Early Hints", method: http.MethodGet, path: "/early"},
	{name: "multi-valued header", method: http.MethodGet, path: "/get",
		header: http.Header{"X-Multi": {"a", "b"}, "Cookie": {"a=1; b=2"}}},
	{name: "gzip answer", method: http.MethodGet, path: "/gzip"},
	{name: "upload with trailer", method: http.MethodPost, path: "/post", body: "streamed",
		trailer: http.Header{"X-Sum": {"abc"}}},
	{name: "Connection: close answer", method: http.MethodGet, path: "/close", h1Only: true},
	{name: "GET after the server closed", method: http.MethodGet, path: "/get", h1Only: true},
}

// parityServer answers the steps. It answers each request only once the
// client reported WroteRequest (through wrote), so that both transports
// see the response after the request was written and the comparison is
// not at the mercy of a race between the client's writer and reader.
type parityServer struct {
	*goServer
	wrote, waiting chan struct{}
}

func startParityServer(t *testing.T, m parityMode) *parityServer {
	ps := &parityServer{wrote: make(chan struct{}, 1), waiting: make(chan struct{}, 1)}
	ps.goServer = m.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Go's server sends 100 Continue when the body is first read.
		// (Its HTTP/2 side hides the Expect field from the handler, so the
		// path says which request is waiting.)
		if r.URL.Path == "/continue" && !awaitSignal(w, r, ps.waiting, "Wait100Continue") {
			return
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !awaitSignal(w, r, ps.wrote, "WroteRequest") {
			return
		}
		switch r.URL.Path {
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/early":
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			io.WriteString(w, "hinted")
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipHello)
		default:
			io.WriteString(w, "hello")
		}
	}))
	return ps
}

// gzipHello is "hello" gzipped.
var gzipHello = func() []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, "hello")
	zw.Close()
	return b.Bytes()
}()

// awaitSignal waits for the client to report hook; a client that never
// does gets a 500 after a while, which the comparison then shows.
func awaitSignal(w http.ResponseWriter, r *http.Request, ch <-chan struct{}, hook string) bool {
	select {
	case <-ch:
		return true
	case <-r.Context().Done():
		return false
	case <-time.After(5 * time.Second):
		http.Error(w, "the client never reported "+hook, http.StatusInternalServerError)
		return false
	}
}

func signal(ch chan<- struct{}) func() {
	return func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// runParity sends every step through rt and returns the events of each.
func runParity(t *testing.T, ps *parityServer, m parityMode, rt http.RoundTripper) [][]string {
	t.Helper()
	base := ps.URL
	if m.localhost {
		base = strings.Replace(base, "127.0.0.1", "localhost", 1)
	}
	log := &eventLog{srvAddr: ps.Listener.Addr().String(), wrote: signal(ps.wrote), waiting: signal(ps.waiting)}
	var all [][]string
	for _, st := range paritySteps {
		if st.h1Only && m.h2 {
			all = append(all, nil)
			continue
		}
		ctx := httptrace.WithClientTrace(t.Context(), log.trace())
		var body io.Reader
		if st.body != "" {
			body = strings.NewReader(st.body)
		}
		req, err := http.NewRequestWithContext(ctx, st.method, base+st.path, body)
		require.NoError(t, err)
		for k, vv := range st.header {
			req.Header[k] = vv
		}
		if st.trailer != nil {
			req.Body = io.NopCloser(req.Body) // length unknown: chunked on HTTP/1.1
			req.ContentLength = -1
			req.Trailer = st.trailer
		}
		resp, err := rt.RoundTrip(req)
		require.NoError(t, err, st.name)
		log.add("RoundTrip returned %d %s", resp.StatusCode, resp.Proto)
		b, err := io.ReadAll(resp.Body)
		log.add("body read %q err=%v", b, err)
		log.add("body closed err=%v", resp.Body.Close())
		ev := log.take()
		if m.h2 {
			ev = sortHeaderFields(ev)
		}
		all = append(all, ev)
	}
	return all
}

func stdParityTransport(t *testing.T, ps *parityServer, m parityMode) *http.Transport {
	var p http.Protocols
	m.std(&p)
	tr := &http.Transport{
		ForceAttemptHTTP2:     true,
		Protocols:             &p,
		ExpectContinueTimeout: 10 * time.Second,
	}
	if ps.TLS != nil {
		tr.TLSClientConfig = ps.clientTLS()
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// TestTraceParityWithNetHTTP runs the same requests through http.Transport
// and plex against the same Go server, on every protocol, and requires
// the same httptrace hooks in the same order with the same arguments.
//
// Where plex and net/http differ on purpose, the expectation is written
// out beside the comparison:
//   - HTTP/2: PutIdleConn never fires, as in net/http (and x/net/http2):
//     an HTTP/2 connection is shared by many requests and is never handed
//     back by one, so there is no "put idle" moment for a request to see.
func TestTraceParityWithNetHTTP(t *testing.T) {
	for _, m := range parityModes {
		t.Run(m.name, func(t *testing.T) {
			ps := startParityServer(t, m)
			want := runParity(t, ps, m, stdParityTransport(t, ps, m))
			for i := range want {
				if m.stdTwoPools {
					want[i] = dropRepeatedGetConn(dropUnusedDial(want[i]))
				}
				if !m.h2 {
					want[i] = continueBeforeUpload(want[i])
				}
			}
			c := newClient(t, ps.goServer, append([]plex.Option{plex.WithExpectContinueTimeout(10 * time.Second)}, m.plex...)...)
			got := runParity(t, ps, m, c)
			if testing.Verbose() {
				t.Logf("plex's sequence, as net/http's:\n%s", paritySequence(got))
			}
			require.Equal(t, paritySequence(want), paritySequence(got), "net/http (expected) vs plex (actual)")
		})
	}
}

// paritySequence lays out the events of every step, one per line, under
// the step's name, so that a mismatch shows where it is.
func paritySequence(steps [][]string) string {
	var b strings.Builder
	for i, ev := range steps {
		b.WriteString("== " + paritySteps[i].name + "\n")
		for _, e := range ev {
			b.WriteString(e + "\n")
		}
	}
	return b.String()
}

// dropUnusedDial removes the dial hooks from a request's events when the
// request went on a reused connection: the dial, if any, was not for it.
func dropUnusedDial(ev []string) []string {
	if !slices.ContainsFunc(ev, func(e string) bool { return strings.HasPrefix(e, "GotConn ") && strings.Contains(e, "reused=true") }) {
		return ev
	}
	return slices.DeleteFunc(slices.Clone(ev), func(e string) bool {
		for _, p := range []string{"DNSStart ", "DNSDone ", "ConnectStart ", "ConnectDone ", "TLSHandshakeStart", "TLSHandshakeDone "} {
			if strings.HasPrefix(e, p) {
				return true
			}
		}
		return false
	})
}

// dropRepeatedGetConn removes a GetConn that repeats the one just before it.
func dropRepeatedGetConn(ev []string) []string {
	var out []string
	for i, e := range ev {
		if i > 0 && strings.HasPrefix(e, "GetConn ") && e == ev[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// continueBeforeUpload puts net/http's HTTP/1.1 Got1xxResponse(100) right
// after its Got100Continue. net/http's reader wakes the body writer
// between the two hooks, so the writer's WroteRequest can come before
// Got1xxResponse or after it, as the goroutines are scheduled; plex calls
// both hooks before it sends the body, so it always gives this order, one
// of the two net/http gives.
func continueBeforeUpload(ev []string) []string {
	const got1xx = "Got1xxResponse 100 []"
	i := slices.Index(ev, "Got100Continue")
	j := slices.Index(ev, got1xx)
	if i < 0 || j <= i+1 {
		return ev
	}
	out := slices.Clone(ev[:i+1])
	out = append(out, got1xx)
	out = append(out, ev[i+1:j]...)
	return append(out, ev[j+1:]...)
}
