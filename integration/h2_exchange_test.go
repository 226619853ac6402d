package integration

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// startH2C starts Go's server speaking HTTP/2 with prior knowledge (and
// HTTP/1.1) on cleartext.
func startH2C(t *testing.T, h http.Handler) *goServer {
	t.Helper()
	s := newGoServer(h)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	s.Config.Protocols = &p
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func TestHTTP2ExchangeOverTLSAndH2C(t *testing.T) {
	for _, tc := range []struct {
		name   string
		start  func(t *testing.T) *goServer
		protos []plex.Protocol
	}{
		{"tls-alpn-h2", func(t *testing.T) *goServer { return startGo(t, bodyHandler(), "h2", "http/1.1") }, nil},
		{"tls-h2-only", func(t *testing.T) *goServer { return startGo(t, bodyHandler(), "h2", "http/1.1") }, []plex.Protocol{plex.HTTP2}},
		{"h2c", func(t *testing.T) *goServer { return startH2C(t, bodyHandler()) }, []plex.Protocol{plex.UnencryptedHTTP2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.start(t)
			var opts []plex.Option
			if tc.protos != nil {
				opts = append(opts, plex.WithProtocols(tc.protos...))
			}
			c := newClient(t, s, opts...)
			for _, n := range []int{0, 1, 70000, 1 << 20} {
				resp, body := get(t, c, fmt.Sprintf("%s/blob/%d", s.URL, n))
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, "HTTP/2.0", resp.Proto)
				require.Equal(t, 2, resp.ProtoMajor)
				require.Equal(t, 0, resp.ProtoMinor)
				require.Equal(t, sum(pattern(n)), sum(body), "body of %d bytes", n)
				if s.TLS != nil {
					require.NotNil(t, resp.TLS)
					require.Equal(t, "h2", resp.TLS.NegotiatedProtocol)
				}
			}
			checkUploads(t, c, s.URL+"/sum", 0, 10, 1<<20)
			require.EqualValues(t, 1, s.conns.Load(), "one connection carried every stream")
			st := c.Stats()
			require.Equal(t, 1, st.HTTP2Conns)
			require.Zero(t, st.HTTP1Conns)
		})
	}
}

// Fifty first requests to an HTTP/2 origin share one dial: one TCP and TLS
// handshake, where net/http may make up to fifty.
func TestFirstRequestsCoalesceOnOneDial(t *testing.T) {
	s := startGo(t, bodyHandler(), "h2", "http/1.1")
	c := newClient(t, s)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			_, err := send(c, http.MethodGet, s.URL+"/blob/100", "")
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, s.conns.Load())
	require.EqualValues(t, 1, c.Stats().Dials)
}

// Against a server offering only HTTP/1.1, concurrent first requests do
// not stay stuck behind the one dial: they get connections of their own.
func TestCoalescedRequestsFallBackToHTTP1(t *testing.T) {
	gate := make(chan struct{})
	var active atomic.Int64
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		<-gate
		io.WriteString(w, "ok")
	}), "http/1.1")
	c := newClient(t, s)
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := send(c, http.MethodGet, s.URL+"/", "")
			errs <- err
		})
	}
	// All four are in the server at once, so each got a connection.
	require.Eventually(t, func() bool { return active.Load() == n }, 10*time.Second, time.Millisecond)
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := c.Stats()
	require.Zero(t, st.HTTP2Conns)
	require.Equal(t, n, st.HTTP1Conns)
}

// TestHTTP2CookiesReachGoServerWhole: the client splits Cookie into one
// field per pair; Go's server joins them back into one header.
func TestHTTP2CookiesReachGoServerWhole(t *testing.T) {
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Header.Get("Cookie"))
	}), "h2")
	c := newClient(t, s, plex.WithProtocols(plex.HTTP2))
	req, err := http.NewRequest(http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Cookie", "session=abc; theme=dark")
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "HTTP/2.0", resp.Proto)
	require.Equal(t, "session=abc; theme=dark", string(got))
}
