package integration

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The differential suite runs each scenario through net/http's Transport
// (HTTP/2 enabled, as its users enable it) and through plex, against the
// same server, and requires that a program sees the same thing from both:
// status, headers, body, trailers, 1xx responses, the httptrace hooks in
// order, and the error's class and concrete types (see observation).
//
// Where plex differs on purpose the scenario says why in deliberate and
// checks plex's documented behaviour, with net/http's beside it, instead of
// equality.
//
// Run it alone with: go test ./integration -run TestDifferential
func TestDifferential(t *testing.T) {
	var all []diffScenario
	for _, group := range [][]diffScenario{
		diffExchangeScenarios(),
		diffRealServerScenarios(),
		diffErrorScenarios(),
		diffH2Scenarios(),
		diffDeliberateScenarios(),
	} {
		all = append(all, group...)
	}
	for _, sc := range all {
		t.Run(sc.name, func(t *testing.T) {
			for _, p := range sc.protos {
				t.Run(string(p), func(t *testing.T) { sc.run(t, p) })
			}
		})
	}
}

// diffScenario is one row of the suite.
type diffScenario struct {
	name   string
	protos []diffProto // each is a subtest
	setup  func(t *testing.T, p diffProto) diffTarget
	cfg    diffConfig

	method, path string            // GET and "/" when empty
	header       http.Header       // added to the request
	body         func() io.Reader  // a fresh body per client; nil for none
	roundTrip    bool              // call RoundTrip instead of Do
	warm         bool              // one untraced exchange first, so the observed one may reuse its connection
	timeout      time.Duration     // the request context's deadline; 10s when zero
	before       func(s *diffSide) // runs before the request
	// read consumes a successful response's body (nil: read it in full).
	read func(s *diffSide) func(*http.Response) (string, error)

	// deliberate, when set, says why plex differs from net/http here, and
	// check replaces the equality of the two observations.
	deliberate string
	check      func(t *testing.T, p diffProto, netObs, plexObs observation)
}

func (sc diffScenario) run(t *testing.T, p diffProto) {
	tg := sc.setup(t, p)
	netObs := sc.exchange(t, netSide(t, p, tg.tls, sc.cfg), tg)
	plexObs := sc.exchange(t, plexSide(t, p, tg.tls, sc.cfg), tg)
	if p == dH1 {
		// Deliberate (API.md, protocol selection): restricted to HTTP/1.1,
		// plex offers "http/1.1" by ALPN, where net/http offers no ALPN at
		// all; a server that knows http/1.1 then names it in the handshake.
		plexObs.Trace = replaceAll(plexObs.Trace, `TLSHandshakeDone proto="http/1.1"`, `TLSHandshakeDone proto=""`)
	}
	if sc.deliberate == "" {
		require.Equal(t, netObs.comparable(), plexObs.comparable(),
			"plex must match net/http (expected); differs in %v\nnet/http error: %s\nplex error:     %s",
			differingFields(netObs.comparable(), plexObs.comparable()), netObs.ErrText, plexObs.ErrText)
		return
	}
	require.NotNil(t, sc.check, "a deliberate difference needs its check")
	t.Logf("deliberate difference: %s\nnet/http: status %d, error %q\nplex:     status %d, error %q",
		sc.deliberate, netObs.Status, netObs.ErrText, plexObs.Status, plexObs.ErrText)
	sc.check(t, p, netObs, plexObs)
}

func (sc diffScenario) exchange(t *testing.T, s *diffSide, tg diffTarget) observation {
	t.Helper()
	timeout := sc.timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if sc.warm {
		resp, err := sc.send(s, sc.newRequest(t, ctx, tg))
		require.NoError(t, err, "%s: warm-up request", s.name)
		_, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	if sc.before != nil {
		sc.before(s)
	}
	u, err := url.Parse(tg.url)
	require.NoError(t, err)
	tr := &eventLog{srvAddr: u.Host}
	req := sc.newRequest(t, httptrace.WithClientTrace(ctx, tr.trace()), tg)
	resp, err := sc.send(s, req)
	var read func(*http.Response) (string, error)
	if sc.read != nil {
		read = sc.read(s)
	}
	return observe(resp, err, tr, read)
}

func (sc diffScenario) send(s *diffSide, req *http.Request) (*http.Response, error) {
	if sc.roundTrip {
		return s.rt.RoundTrip(req)
	}
	return s.do(req)
}

func (sc diffScenario) newRequest(t *testing.T, ctx context.Context, tg diffTarget) *http.Request {
	t.Helper()
	method, path := sc.method, sc.path
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = "/"
	}
	var body io.Reader
	if sc.body != nil {
		body = sc.body()
	}
	req, err := http.NewRequestWithContext(ctx, method, tg.url+path, body)
	require.NoError(t, err)
	for k, v := range sc.header {
		req.Header[k] = slices.Clone(v)
	}
	return req
}

func replaceAll(trace []string, old, new string) []string {
	out := make([]string, len(trace))
	for i, e := range trace {
		out[i] = strings.ReplaceAll(e, old, new)
	}
	return out
}

var (
	allProtos = []diffProto{dH1, dH2, dH1C, dH2C}
	tlsProtos = []diffProto{dH1, dH2}
	h2Protos  = []diffProto{dH2, dH2C}
)
