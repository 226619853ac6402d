package integration

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// goServer is Go's own HTTP server on loopback, counting the connections it
// accepted.
type goServer struct {
	*httptest.Server
	conns atomic.Int64
}

// startGo starts a Go server; tlsProtos nil means cleartext, otherwise TLS
// offering those ALPN protocols ("h2", "http/1.1").
func startGo(t *testing.T, h http.Handler, tlsProtos ...string) *goServer {
	t.Helper()
	s := newGoServer(h)
	if len(tlsProtos) > 0 {
		for _, p := range tlsProtos {
			if p == "h2" {
				s.EnableHTTP2 = true
			}
		}
		s.StartTLS()
		s.TLS.NextProtos = tlsProtos
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func newGoServer(h http.Handler) *goServer {
	s := &goServer{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	return s
}

// clientTLS trusts the server's certificate.
func (s *goServer) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
}

// newClient builds a plex Client that trusts s and is closed with the test.
func newClient(t *testing.T, s *goServer, opts ...plex.Option) *plex.Client {
	t.Helper()
	if s != nil && s.TLS != nil {
		opts = append([]plex.Option{plex.WithTLSConfig(s.clientTLS())}, opts...)
	}
	c, err := plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func get(t *testing.T, c *plex.Client, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// pattern returns n deterministic bytes that no compressor shrinks to
// nothing and that reveal reordering or loss when hashed.
func pattern(n int) []byte {
	b := make([]byte, n)
	var x uint32 = 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
