package alpn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/plexhttp/plex/internal/testcert"
	"github.com/stretchr/testify/require"
)

func TestUntrustedCAFailsVerification(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	other, err := testcert.New()
	require.NoError(t, err)
	d := &Dialer{TLSConfig: other.ClientTLS()}
	_, err = d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var unknown x509.UnknownAuthorityError
	require.ErrorAs(t, err, &unknown)
	// Unwrapped, as net/http returns it, so callers can type-assert it.
	_, ok := err.(*tls.CertificateVerificationError)
	require.True(t, ok, "got %T: %v", err, err)
}

func TestSystemRootsDoNotTrustTestCA(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	_, err := (&Dialer{}).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var unknown x509.UnknownAuthorityError
	var noRoots x509.SystemRootsError
	require.True(t, errors.As(err, &unknown) || errors.As(err, &noRoots), "want a verification error, got %v", err)
}

func TestWrongHostNameFailsVerification(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	_, err := trustingDialer(t).Dial(context.Background(),
		Target{Scheme: "https", Addr: srv.addr(), ServerName: "example.com"})
	var hostErr x509.HostnameError
	require.ErrorAs(t, err, &hostErr)
	require.Equal(t, "example.com", hostErr.Host)
}

func TestExpiredCertificateFailsVerification(t *testing.T) {
	now := time.Now()
	expired, err := testcert.NewValidity(now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	require.NoError(t, err)
	srv := serve(t, echoTLS(expired.ServerTLS(ProtoH2)))
	d := &Dialer{TLSConfig: expired.ClientTLS()}
	_, err = d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, x509.Expired, invalid.Reason)
}

func TestServerNameOverridesAddrHost(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	c, err := trustingDialer(t).Dial(context.Background(),
		Target{Scheme: "https", Addr: srv.addr(), ServerName: "localhost"})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, "localhost", c.TLS.ServerName)
	require.Equal(t, ProtoH2, c.Protocol)
}

func TestTLSConfigServerNameIsUsedWhenTargetHasNone(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	cfg := defaultCerts(t).ClientTLS()
	cfg.ServerName = "example.com"
	_, err := (&Dialer{TLSConfig: cfg}).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var hostErr x509.HostnameError
	require.ErrorAs(t, err, &hostErr)
}

func TestIPv6LiteralVerifiesAgainstIPSAN(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	ln.Close()
	srv := serveOn(t, "[::1]:0", echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	c, err := trustingDialer(t).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoH2, c.Protocol)
	roundTrip(t, c, "ping")
}

func TestInsecureSkipVerifyIsHonouredOnlyWhenAsked(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	other, err := testcert.New()
	require.NoError(t, err)
	cfg := other.ClientTLS()
	cfg.InsecureSkipVerify = true
	c, err := (&Dialer{TLSConfig: cfg}).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	require.NoError(t, err)
	c.Close()
}
