package plex_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/testcert"
)

// dialCase is one way of failing to connect, tried through net/http's
// Transport and through plex with the same settings.
type dialCase struct {
	url string
	// Both clients get the same dial function, TLS roots and timeouts.
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	roots     *x509.CertPool
	handshake time.Duration
	dialLimit time.Duration // plex's WithDialTimeout; net/http's net.Dialer.Timeout
	proxy     *url.URL
	// dialTLS, if set, makes the TLS connections (Transport.DialTLSContext,
	// plex.WithDialTLSContext).
	dialTLS func(ctx context.Context, network, addr string) (net.Conn, error)
	// sameType: url.Error.Err has the same concrete type with both, so
	// code that type-asserts it works alike. Only net/http's handshake
	// timeout has an unexported type no caller can assert.
	sameType bool
	check    func(t *testing.T, err error) // on each client's error
}

func (dc dialCase) netHTTP(t *testing.T) error {
	d := &net.Dialer{Timeout: dc.dialLimit}
	dial := dc.dial
	if dial == nil {
		dial = d.DialContext
	}
	tr := &http.Transport{ForceAttemptHTTP2: true, DialContext: dial,
		TLSClientConfig: &tls.Config{RootCAs: dc.roots}, TLSHandshakeTimeout: dc.handshake}
	if dc.proxy != nil {
		tr.Proxy = http.ProxyURL(dc.proxy)
	}
	tr.DialTLSContext = dc.dialTLS
	defer tr.CloseIdleConnections()
	return get(t, (&http.Client{Transport: tr}).Do, dc.url)
}

func (dc dialCase) plex(t *testing.T) error {
	opts := []plex.Option{plex.WithTLSConfig(&tls.Config{RootCAs: dc.roots})}
	if dc.dial != nil {
		opts = append(opts, plex.WithDialContext(dc.dial))
	}
	if dc.handshake > 0 {
		opts = append(opts, plex.WithTLSHandshakeTimeout(dc.handshake))
	}
	if dc.dialLimit > 0 {
		opts = append(opts, plex.WithDialTimeout(dc.dialLimit))
	}
	if dc.proxy != nil {
		opts = append(opts, plex.WithProxy(http.ProxyURL(dc.proxy)))
	}
	if dc.dialTLS != nil {
		opts = append(opts, plex.WithDialTLSContext(dc.dialTLS))
	}
	c, err := plex.New(opts...)
	require.NoError(t, err)
	defer c.Close()
	return get(t, c.Do, dc.url)
}

func get(t *testing.T, do func(*http.Request) (*http.Response, error), u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := do(req)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	return err
}

// runDialCase checks that plex fails the way net/http does: a *url.Error
// around an error of the same concrete type (where net/http's is one a
// caller can name), the same Timeout answer, the same typed causes.
func runDialCase(t *testing.T, dc dialCase) {
	t.Helper()
	want, got := dc.netHTTP(t), dc.plex(t)
	var wantURL, gotURL *url.Error
	require.ErrorAs(t, want, &wantURL)
	require.ErrorAs(t, got, &gotURL, "plex: %v", got)
	if dc.sameType {
		require.Equal(t, reflect.TypeOf(wantURL.Err), reflect.TypeOf(gotURL.Err),
			"net/http: %v\nplex:     %v", want, got)
	}
	require.Equal(t, wantURL.Timeout(), gotURL.Timeout(), "Timeout()\nnet/http: %v\nplex:     %v", want, got)
	require.NotErrorIs(t, got, plex.ErrMaybeProcessed, "nothing was sent")
	dc.check(t, want)
	dc.check(t, got)
}

// tlsServer serves with certs on loopback and returns a dial function that
// reaches it whatever the URL's host.
func tlsServer(t *testing.T, certs *testcert.Certs) (port string, dial func(context.Context, string, string) (net.Conn, error)) {
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.TLS = certs.ServerTLS("h2", "http/1.1")
	s.EnableHTTP2 = true
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	s.StartTLS()
	t.Cleanup(s.Close)
	addr := s.Listener.Addr().String()
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	return port, func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// A certificate that cannot be trusted reaches the caller as the
// *tls.CertificateVerificationError net/http gives, by plain type
// assertion on url.Error.Err: retry policies written for net/http
// (go-retryablehttp's) give up on it that way, and would otherwise retry a
// certificate failure. The origin is named by the url.Error's URL.
func TestCertificateFailuresAreNetHTTPs(t *testing.T) {
	good, err := testcert.New()
	require.NoError(t, err)
	other, err := testcert.New()
	require.NoError(t, err)
	expired, err := testcert.NewValidity(time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	require.NoError(t, err)
	certError := func(cause any) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			cve, ok := ue.Err.(*tls.CertificateVerificationError)
			require.True(t, ok, "url.Error.Err is %T: %v", ue.Err, ue.Err)
			require.ErrorAs(t, cve, cause)
		}
	}
	t.Run("unknown authority", func(t *testing.T) {
		port, dial := tlsServer(t, other)
		runDialCase(t, dialCase{url: "https://localhost:" + port + "/", dial: dial, roots: good.Pool,
			sameType: true, check: certError(new(x509.UnknownAuthorityError))})
	})
	t.Run("wrong host", func(t *testing.T) {
		port, dial := tlsServer(t, good)
		runDialCase(t, dialCase{url: "https://wrong.test:" + port + "/", dial: dial, roots: good.Pool,
			sameType: true, check: certError(new(x509.HostnameError))})
	})
	t.Run("expired", func(t *testing.T) {
		port, dial := tlsServer(t, expired)
		runDialCase(t, dialCase{url: "https://localhost:" + port + "/", dial: dial, roots: expired.Pool,
			sameType: true, check: func(t *testing.T, err error) {
				certError(new(x509.CertificateInvalidError))(t, err)
				var ci x509.CertificateInvalidError
				require.ErrorAs(t, err, &ci)
				require.Equal(t, x509.Expired, ci.Reason)
			}})
	})
}

// With the TLS connection made by the caller's DialTLSContext, a
// certificate failure is its *tls.CertificateVerificationError, whether the
// function ran the handshake or left it to the transport, and a refused
// dial is its *net.OpError, as with net/http.
func TestDialTLSContextFailuresAreNetHTTPs(t *testing.T) {
	good, err := testcert.New()
	require.NoError(t, err)
	other, err := testcert.New()
	require.NoError(t, err)
	port, dial := tlsServer(t, other)
	for _, handshake := range []bool{true, false} {
		dialTLS := func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(raw, &tls.Config{RootCAs: good.Pool, ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}})
			if !handshake {
				return tc, nil
			}
			if err := tc.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return tc, nil
		}
		runDialCase(t, dialCase{url: "https://localhost:" + port + "/", dialTLS: dialTLS, sameType: true,
			check: func(t *testing.T, err error) {
				var ue *url.Error
				require.ErrorAs(t, err, &ue)
				_, ok := ue.Err.(*tls.CertificateVerificationError)
				require.True(t, ok, "handshake in DialTLSContext %v: url.Error.Err is %T: %v", handshake, ue.Err, ue.Err)
			}})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	refused := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&tls.Dialer{}).DialContext(ctx, network, addr)
	}
	runDialCase(t, dialCase{url: "https://" + addr + "/", dialTLS: refused, sameType: true,
		check: func(t *testing.T, err error) { require.ErrorIs(t, err, syscall.ECONNREFUSED) }})
}

// A refused connection is the dial's *net.OpError, as with net/http.
func TestRefusedDialIsNetHTTPs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	runDialCase(t, dialCase{url: "http://" + addr + "/", sameType: true, check: func(t *testing.T, err error) {
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		require.Equal(t, "dial", oe.Op)
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
	}})
}

// A proxy that refuses the connection: a *net.OpError "proxyconnect"
// around the dial's error, as with net/http, whatever the proxy's kind.
func TestRefusedProxyIsNetHTTPs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	for _, scheme := range []string{"http", "https", "socks5", "socks5h"} {
		t.Run(scheme, func(t *testing.T) {
			// The origin is an address, which socks5:// does not resolve:
			// nothing but the refused dial to the proxy is tried.
			runDialCase(t, dialCase{url: "http://127.0.0.1:9/", proxy: &url.URL{Scheme: scheme, Host: addr}, sameType: true,
				check: func(t *testing.T, err error) {
					var ue *url.Error
					require.ErrorAs(t, err, &ue)
					oe, ok := ue.Err.(*net.OpError)
					require.True(t, ok, "url.Error.Err is %T", ue.Err)
					require.Equal(t, "proxyconnect", oe.Op)
					require.ErrorIs(t, err, syscall.ECONNREFUSED)
				}})
		})
	}
}

// A name that does not resolve is a *net.DNSError (inside the dial's
// *net.OpError), as with net/http. The resolver fails at once, so no
// query leaves the machine.
func TestDNSFailureIsNetHTTPs(t *testing.T) {
	d := &net.Dialer{Resolver: &net.Resolver{PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, errors.New("no resolver in this test")
		}}}
	runDialCase(t, dialCase{url: "http://nosuch.test/", dial: d.DialContext, sameType: true,
		check: func(t *testing.T, err error) {
			var de *net.DNSError
			require.ErrorAs(t, err, &de)
			require.Equal(t, "nosuch.test", de.Name)
		}})
}

// A server that accepts and never answers the TLS handshake: a timeout with
// both. net/http's error has an unexported type, so only the class can be
// compared; neither matches context.DeadlineExceeded, since the caller's
// own deadline did not pass.
func TestTLSHandshakeTimeoutIsNetHTTPs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	defer func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	}()
	runDialCase(t, dialCase{url: "https://" + ln.Addr().String() + "/", handshake: 100 * time.Millisecond,
		check: func(t *testing.T, err error) {
			var ne net.Error
			require.ErrorAs(t, err, &ne)
			require.True(t, ne.Timeout())
			require.NotErrorIs(t, err, context.DeadlineExceeded)
		}})
}
