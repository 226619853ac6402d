package plex

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/testcert"
)

// namedServer is a Go HTTP/2 server whose certificate covers a.test and
// b.test (and localhost). Its handler answers 421 to requests for hosts in
// misdirect that arrive on a connection negotiated for another name, and
// to every request for always421.
type namedServer struct {
	*httptest.Server
	certs *testcert.Certs
	port  string

	mu    sync.Mutex
	dials []string
	looks []string
}

func startNamedServer(t *testing.T, misdirect ...string) *namedServer {
	t.Helper()
	certs, err := testcert.New("a.test", "b.test", "always421.test")
	require.NoError(t, err)
	s := &namedServer{certs: certs}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		for _, m := range misdirect {
			if host == m && r.TLS.ServerName != m {
				w.WriteHeader(http.StatusMisdirectedRequest)
				return
			}
		}
		if host == "always421.test" {
			w.WriteHeader(http.StatusMisdirectedRequest)
			return
		}
		io.WriteString(w, host+" sni="+r.TLS.ServerName)
	}))
	s.EnableHTTP2 = true
	s.TLS = certs.ServerTLS("h2", "http/1.1")
	s.StartTLS()
	t.Cleanup(s.Close)
	_, s.port, err = net.SplitHostPort(s.Listener.Addr().String())
	require.NoError(t, err)
	return s
}

// client returns a Client with coalescing that dials every name at the
// server and resolves names through lookup, recording both.
func (s *namedServer) client(t *testing.T, tlsConf *tls.Config, lookup func(host string) ([]netip.Addr, error), opts ...Option) *Client {
	t.Helper()
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		var d net.Dialer
		return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
	look := func(ctx context.Context, _, host string) ([]netip.Addr, error) {
		s.mu.Lock()
		s.looks = append(s.looks, host)
		s.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return lookup(host)
	}
	dialStarts := &EventListener{DialStart: func(e DialStart) {
		host, _, _ := net.SplitHostPort(e.Origin.Addr)
		s.mu.Lock()
		s.dials = append(s.dials, host)
		s.mu.Unlock()
	}}
	c, err := New(append([]Option{WithTLSConfig(tlsConf), WithDialContext(dial), WithLookupNetIP(look),
		WithConnectionCoalescing(true), WithEventListener(dialStarts)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// record gives the names dialed and the names looked up for coalescing:
// each dial looks its own name up too (WithLookupNetIP serves both), so
// one lookup per dial is not counted.
func (s *namedServer) record() (dials, looks []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	looks = append([]string(nil), s.looks...)
	for _, d := range s.dials {
		if i := slices.Index(looks, d); i >= 0 {
			looks = slices.Delete(looks, i, i+1)
		}
	}
	return append([]string(nil), s.dials...), looks
}

func loopback(string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func (s *namedServer) get(t *testing.T, c *Client, host string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+":"+s.port+"/", nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestCoalescingSharesVerifiedConnection(t *testing.T) {
	s := startNamedServer(t)
	c := s.client(t, s.certs.ClientTLS(), loopback)
	s.get(t, c, "a.test")
	_, body := s.get(t, c, "b.test")
	require.Equal(t, "b.test sni=a.test", body)
	dials, looks := s.record()
	require.Equal(t, []string{"a.test"}, dials)
	require.Equal(t, []string{"b.test"}, looks, "looked up once; the approval lasts as long as the connection")
	s.get(t, c, "b.test")
	_, looks = s.record()
	require.Len(t, looks, 1)
}

// WithDialTimeout(0) means the default bound, not none, for the lookup as
// for the dial.
func TestCoalescingLookupWithDefaultDialTimeout(t *testing.T) {
	s := startNamedServer(t)
	c := s.client(t, s.certs.ClientTLS(), loopback, WithDialTimeout(0))
	s.get(t, c, "a.test")
	_, body := s.get(t, c, "b.test")
	require.Equal(t, "b.test sni=a.test", body)
}

func TestCoalescingNeedsVerifiedCertificate(t *testing.T) {
	s := startNamedServer(t)
	c := s.client(t, &tls.Config{InsecureSkipVerify: true}, loopback)
	s.get(t, c, "a.test")
	_, body := s.get(t, c, "b.test")
	require.Equal(t, "b.test sni=b.test", body)
	dials, looks := s.record()
	require.Equal(t, []string{"a.test", "b.test"}, dials)
	require.Empty(t, looks, "no verified certificate, no lookup")
}

func TestCoalescingLooksUpOnlyNamesTheCertificateCovers(t *testing.T) {
	s := startNamedServer(t)
	c := s.client(t, s.certs.ClientTLS(), loopback, WithTLSConfig(&tls.Config{RootCAs: s.certs.Pool, ServerName: "a.test"}))
	s.get(t, c, "a.test")
	// other.test is not in the certificate; the fixed ServerName lets its
	// own connection verify.
	_, body := s.get(t, c, "other.test")
	require.Equal(t, "other.test sni=a.test", body)
	dials, looks := s.record()
	require.Equal(t, []string{"a.test", "other.test"}, dials)
	require.Empty(t, looks)
}

func TestCoalescingLookupFailureDialsOwn(t *testing.T) {
	s := startNamedServer(t)
	failed := false // the first lookup of b.test, coalescing's, fails
	c := s.client(t, s.certs.ClientTLS(), func(host string) ([]netip.Addr, error) {
		if host == "b.test" && !failed {
			failed = true
			return nil, errors.New("no such host")
		}
		return loopback(host)
	})
	s.get(t, c, "a.test")
	_, body := s.get(t, c, "b.test")
	require.Equal(t, "b.test sni=b.test", body)
	dials, _ := s.record()
	require.Equal(t, []string{"a.test", "b.test"}, dials)
}

func TestCoalescingHTTP1ConnectionsAreNotShared(t *testing.T) {
	s := startNamedServer(t)
	c := s.client(t, s.certs.ClientTLS(), loopback, WithProtocols(HTTP1))
	s.get(t, c, "a.test")
	s.get(t, c, "b.test")
	dials, looks := s.record()
	require.Equal(t, []string{"a.test", "b.test"}, dials)
	require.Empty(t, looks)
}

func TestMisdirectedSentAgainOnceOnOwnConnection(t *testing.T) {
	s := startNamedServer(t, "b.test")
	var retries []RetryDecided
	c := s.client(t, s.certs.ClientTLS(), loopback, WithEventListener(&EventListener{
		RetryDecided: func(e RetryDecided) { retries = append(retries, e) },
	}))
	s.get(t, c, "a.test")
	code, body := s.get(t, c, "b.test")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "b.test sni=b.test", body)
	require.Len(t, retries, 1)
	require.Equal(t, errMisdirected.Error(), retries[0].Reason)

	dials, _ := s.record()
	require.Equal(t, []string{"a.test", "b.test"}, dials)
}

func TestMisdirectedOnOwnConnectionIsReturned(t *testing.T) {
	s := startNamedServer(t)
	var retries []RetryDecided
	c := s.client(t, s.certs.ClientTLS(), loopback, WithEventListener(&EventListener{
		RetryDecided: func(e RetryDecided) { retries = append(retries, e) },
	}))
	s.get(t, c, "a.test")
	code, _ := s.get(t, c, "always421.test") // coalesced, 421, resent on its own, 421
	require.Equal(t, http.StatusMisdirectedRequest, code)
	require.Len(t, retries, 1)
	dials, _ := s.record()
	require.Equal(t, []string{"a.test", "always421.test"}, dials)
	code, _ = s.get(t, c, "always421.test") // its own connection now: no resend
	require.Equal(t, http.StatusMisdirectedRequest, code)
	require.Len(t, retries, 1)
}
