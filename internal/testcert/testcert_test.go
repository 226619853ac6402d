package testcert

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func verifyLeaf(t *testing.T, c *Certs, pool *x509.CertPool, host string, now time.Time) error {
	t.Helper()
	leaf, err := x509.ParseCertificate(c.Leaf.Certificate[0])
	require.NoError(t, err)
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, CurrentTime: now})
	return err
}

func TestLeafCoversLoopbackNames(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		require.NoError(t, verifyLeaf(t, c, c.Pool, h, time.Now()), h)
	}
	var hostErr x509.HostnameError
	require.ErrorAs(t, verifyLeaf(t, c, c.Pool, "example.com", time.Now()), &hostErr)
}

func TestExtraHostsBecomeSANs(t *testing.T) {
	c, err := New("api.example.test", "10.1.2.3")
	require.NoError(t, err)
	require.NoError(t, verifyLeaf(t, c, c.Pool, "api.example.test", time.Now()))
	require.NoError(t, verifyLeaf(t, c, c.Pool, "10.1.2.3", time.Now()))
	require.NoError(t, verifyLeaf(t, c, c.Pool, "localhost", time.Now()))
}

func TestEmptyExtraHostIsRejected(t *testing.T) {
	_, err := New("")
	require.ErrorContains(t, err, "testcert: empty host name")
}

func TestValidityWindow(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(c.Leaf.Certificate[0])
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, leaf.NotAfter.Sub(leaf.NotBefore))
	require.WithinDuration(t, time.Now().Add(-time.Hour), leaf.NotBefore, time.Minute)

	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, verifyLeaf(t, c, c.Pool, "localhost", time.Now().Add(48*time.Hour)), &invalid)
	require.Equal(t, x509.Expired, invalid.Reason)
}

func TestNewValidityMakesExpiredCerts(t *testing.T) {
	now := time.Now()
	c, err := NewValidity(now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	require.NoError(t, err)
	var invalid x509.CertificateInvalidError
	require.ErrorAs(t, verifyLeaf(t, c, c.Pool, "localhost", now), &invalid)
	require.Equal(t, x509.Expired, invalid.Reason)
}

func TestNewValidityRejectsInvertedWindow(t *testing.T) {
	now := time.Now()
	_, err := NewValidity(now, now.Add(-time.Second))
	require.ErrorContains(t, err, "testcert: validity ends")
}

func TestEachNewHasItsOwnCA(t *testing.T) {
	a, err := New()
	require.NoError(t, err)
	b, err := New()
	require.NoError(t, err)
	var unknown x509.UnknownAuthorityError
	require.ErrorAs(t, verifyLeaf(t, a, b.Pool, "localhost", time.Now()), &unknown)
}

func TestDefaultIsGeneratedOnce(t *testing.T) {
	a, err := Default()
	require.NoError(t, err)
	b, err := Default()
	require.NoError(t, err)
	require.Same(t, a, b)
}

func TestServerAndClientConfigsHandshake(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()

	server := tls.Server(sc, c.ServerTLS("h2", "http/1.1"))
	done := make(chan error, 1)
	go func() { done <- server.HandshakeContext(context.Background()) }()

	cfg := c.ClientTLS()
	cfg.ServerName = "localhost"
	cfg.NextProtos = []string{"h2"}
	client := tls.Client(cc, cfg)
	require.NoError(t, client.HandshakeContext(context.Background()))
	require.NoError(t, <-done)
	require.Equal(t, "h2", client.ConnectionState().NegotiatedProtocol)
}

func TestServerTLSCopiesNextProtos(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	protos := []string{"h2"}
	cfg := c.ServerTLS(protos...)
	protos[0] = "changed"
	require.Equal(t, []string{"h2"}, cfg.NextProtos)
	require.Empty(t, c.ServerTLS().NextProtos)
}

func TestWriteFiles(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	certFile, keyFile, caFile, err := c.WriteFiles(t.TempDir())
	require.NoError(t, err)

	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	require.NoError(t, err)
	require.Equal(t, c.Leaf.Certificate, pair.Certificate)

	st, err := os.Stat(keyFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	caPEM, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	require.NoError(t, verifyLeaf(t, c, pool, "localhost", time.Now()))
}

func TestWriteFilesMissingDir(t *testing.T) {
	c, err := Default()
	require.NoError(t, err)
	_, _, _, err = c.WriteFiles(t.TempDir() + "/missing")
	require.ErrorContains(t, err, "testcert: write ")
	require.ErrorIs(t, err, os.ErrNotExist)
}
