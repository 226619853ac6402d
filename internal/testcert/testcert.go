// Package testcert makes throwaway certificates for tests: a private CA and a
// leaf certificate it signed, generated in memory so that tests never depend
// on files checked into the repository or on the system trust store.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Certs is a CA and one leaf certificate signed by it. It is read-only once
// made, so one value may be shared by concurrent tests.
type Certs struct {
	// CAPEM, CertPEM and KeyPEM are the CA certificate, the leaf certificate
	// and the leaf's PKCS #8 private key, PEM-encoded, for servers that read
	// files (see WriteFiles).
	CAPEM, CertPEM, KeyPEM []byte
	// Leaf is the leaf certificate and key for Go servers.
	Leaf tls.Certificate
	// Pool trusts the CA and nothing else: use it as a client's RootCAs.
	Pool *x509.CertPool
}

// defaultHosts are the names every leaf certificate covers.
var defaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// New returns a fresh ECDSA P-256 CA and a leaf certificate for "localhost",
// "127.0.0.1", "::1" and any extraHosts (IP literals become IP SANs, anything
// else a DNS SAN), valid from one hour ago for 24 hours.
func New(extraHosts ...string) (*Certs, error) {
	notBefore := time.Now().Add(-time.Hour)
	return NewValidity(notBefore, notBefore.Add(24*time.Hour), extraHosts...)
}

// NewValidity is New with an explicit validity window for both the CA and
// the leaf, for tests of expired or not-yet-valid certificates.
func NewValidity(notBefore, notAfter time.Time, extraHosts ...string) (*Certs, error) {
	if !notAfter.After(notBefore) {
		return nil, fmt.Errorf("testcert: validity ends (%v) before it starts (%v)", notAfter, notBefore)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testcert: generate ca key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"plex test"}, CommonName: "plex test CA"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("testcert: create ca certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("testcert: parse ca certificate: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("testcert: generate leaf key: %w", err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{Organization: []string{"plex test"}, CommonName: "localhost"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range append(append([]string(nil), defaultHosts...), extraHosts...) {
		if h == "" {
			return nil, errors.New("testcert: empty host name")
		}
		if ip := net.ParseIP(h); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("testcert: create leaf certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return nil, fmt.Errorf("testcert: marshal leaf key: %w", err)
	}

	c := &Certs{
		CAPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Pool:    x509.NewCertPool(),
	}
	c.Pool.AddCert(ca)
	c.Leaf, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("testcert: load key pair: %w", err)
	}
	return c, nil
}

// defaultCerts is generated at most once per process: key generation is the
// slow part, and most tests only need some trusted certificate.
var defaultCerts = sync.OnceValues(func() (*Certs, error) { return New() })

// Default returns one Certs shared by the whole process, for tests that need
// a trusted certificate for localhost and do not care which. Tests must not
// modify it.
func Default() (*Certs, error) { return defaultCerts() }

// ServerTLS returns a fresh server configuration presenting Leaf and
// offering nextProtos by ALPN (none if empty).
func (c *Certs) ServerTLS(nextProtos ...string) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.Leaf},
		NextProtos:   append([]string(nil), nextProtos...),
		MinVersion:   tls.VersionTLS12,
	}
}

// ClientTLS returns a fresh client configuration that trusts only the CA.
func (c *Certs) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: c.Pool, MinVersion: tls.VersionTLS12}
}

// WriteFiles writes the leaf certificate, its key and the CA certificate as
// cert.pem, key.pem and ca.pem into dir (which must exist) and returns their
// paths. The key file is readable by its owner only.
func (c *Certs) WriteFiles(dir string) (certFile, keyFile, caFile string, err error) {
	certFile = filepath.Join(dir, "cert.pem")
	keyFile = filepath.Join(dir, "key.pem")
	caFile = filepath.Join(dir, "ca.pem")
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{certFile, c.CertPEM, 0o644},
		{keyFile, c.KeyPEM, 0o600},
		{caFile, c.CAPEM, 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return "", "", "", fmt.Errorf("testcert: write %s: %w", f.path, err)
		}
	}
	return certFile, keyFile, caFile, nil
}
