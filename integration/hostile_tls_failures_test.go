package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/testcert"
)

var _ = registerSuite("TestHostileTLSFailures", TestHostileTLSFailures)

// TestHostileTLSFailures: a certificate that cannot be trusted fails the
// request before anything is sent. The error names the verification
// failure, does not say the request may have been processed, and the
// server's application never sees a request.
func TestHostileTLSFailures(t *testing.T) {
	good, err := testcert.New()
	require.NoError(t, err)
	other, err := testcert.New()
	require.NoError(t, err)
	expired, err := testcert.NewValidity(time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	require.NoError(t, err)
	cases := []struct {
		name  string
		certs *testcert.Certs // what the server presents
		roots *x509.CertPool  // what the client trusts
		host  string          // the host in the URL
		check func(t *testing.T, err error)
	}{
		{"untrusted", other, good.Pool, "localhost", func(t *testing.T, err error) {
			var ua x509.UnknownAuthorityError
			require.ErrorAs(t, err, &ua)
		}},
		{"expired", expired, expired.Pool, "localhost", func(t *testing.T, err error) {
			var ci x509.CertificateInvalidError
			require.ErrorAs(t, err, &ci)
			require.Equal(t, x509.Expired, ci.Reason)
		}},
		{"wrong host", good, good.Pool, "wrong.test", func(t *testing.T, err error) {
			var he x509.HostnameError
			require.ErrorAs(t, err, &he)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checks(t, "Faults: TLS", "RFC 9110 §4.3.4", "TLS certificate "+tc.name+": typed x509 error, request never sent, not marked as maybe processed")
			handled := 0
			s, err := faults.ListenTLS(tc.certs.ServerTLS("h2", "http/1.1"), func(net.Conn, int) error {
				handled++
				return nil
			})
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			port := s.Addr()[strings.LastIndex(s.Addr(), ":"):]
			dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, s.Addr())
			}
			c := newClient(t, nil, plex.WithTLSConfig(&tls.Config{RootCAs: tc.roots}), plex.WithDialContext(dial))
			req, err := http.NewRequest(http.MethodPost, "https://"+tc.host+port+"/", strings.NewReader("x"))
			require.NoError(t, err)
			_, err = c.RoundTrip(req)
			require.Error(t, err)
			tc.check(t, err)
			require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
			require.Equal(t, 1, s.Accepted(), "the failed handshake was retried")
			require.NoError(t, s.Close())
			require.Equal(t, 0, handled)
		})
	}
}
