package ecosystem_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// countingDial dials addr whatever the request asks, counting the dials.
func countingDial(addr string, n *atomic.Int32) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		n.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// retrying is a go-retryablehttp client over rt with its default retry
// policy, quick waits, and a count of the attempts it made.
func retrying(rt http.RoundTripper, attempts *atomic.Int32) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: rt}
	rc.Logger = nil
	rc.RetryMax = 3
	rc.RetryWaitMin = time.Millisecond
	rc.RetryWaitMax = time.Millisecond
	rc.RequestLogHook = func(retryablehttp.Logger, *http.Request, int) { attempts.Add(1) }
	return rc
}

// go-retryablehttp gives up at once on a certificate it cannot trust: its
// default policy type-asserts *tls.CertificateVerificationError on the
// *url.Error. Through plex it must, as through net/http, dial once; with
// plex's own wrapping of the handshake error it dialed 1+RetryMax times.
func TestRetryableHTTPDoesNotRetryCertificateFailures(t *testing.T) {
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.EnableHTTP2 = true
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	s.StartTLS()
	defer s.Close()
	addr := s.Listener.Addr().String()
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	// The server's certificate is for example.com and 127.0.0.1; asking
	// for localhost fails verification against the trusted roots.
	roots := x509.NewCertPool()
	roots.AddCert(s.Certificate())
	url := "https://localhost:" + port + "/"

	var dials, attempts atomic.Int32
	tr := &http.Transport{ForceAttemptHTTP2: true, DialContext: countingDial(addr, &dials),
		TLSClientConfig: &tls.Config{RootCAs: roots}}
	defer tr.CloseIdleConnections()
	_, err = retrying(tr, &attempts).Get(url)
	require.ErrorContains(t, err, "certificate")
	require.Equal(t, int32(1), dials.Load(), "net/http")
	require.Equal(t, int32(1), attempts.Load(), "net/http")

	dials.Store(0)
	attempts.Store(0)
	c, err := plex.New(plex.WithDialContext(countingDial(addr, &dials)), plex.WithTLSConfig(&tls.Config{RootCAs: roots}))
	require.NoError(t, err)
	defer c.Close()
	_, err = retrying(c, &attempts).Get(url)
	require.ErrorContains(t, err, "certificate")
	require.Equal(t, int32(1), dials.Load(), "plex")
	require.Equal(t, int32(1), attempts.Load(), "plex")
}

// The policy's other give-ups read the error's text: an unsupported scheme
// is not retried through plex either (it fails before any dial).
func TestRetryableHTTPDoesNotRetryAnUnsupportedScheme(t *testing.T) {
	c, err := plex.New()
	require.NoError(t, err)
	defer c.Close()
	var attempts atomic.Int32
	_, err = retrying(c, &attempts).Get("ftp://example.test/")
	require.ErrorContains(t, err, "unsupported protocol scheme")
	require.Equal(t, int32(1), attempts.Load())
}
