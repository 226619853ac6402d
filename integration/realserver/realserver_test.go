package realserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/testcert"
)

func TestStartRefusesBadOptions(t *testing.T) {
	certs, err := testcert.Default()
	require.NoError(t, err)
	_, err = Start(t.Context(), Go, Options{Certs: certs})
	require.ErrorContains(t, err, "realserver: options need a directory and certificates")
	_, err = Start(t.Context(), "lighttpd", Options{Dir: t.TempDir(), Certs: certs})
	require.ErrorContains(t, err, `realserver: unknown server kind "lighttpd"`)
}

func TestLookPathReportsNotInstalled(t *testing.T) {
	_, err := lookPath("plex-no-such-server")
	require.ErrorIs(t, err, ErrNotInstalled)
}

func TestPatternIsDeterministicAndSeeded(t *testing.T) {
	require.Equal(t, Pattern(4096, 1), Pattern(4096, 1))
	require.NotEqual(t, Pattern(4096, 1), Pattern(4096, 2))
	require.Len(t, File(File1M), 1<<20)
}

func TestBigHeadersNeedContinuation(t *testing.T) {
	total := 0
	for k, v := range BigHeaders() {
		total += len(k) + len(v)
	}
	require.Greater(t, total, 16384, "the headers must not fit in one default-size frame")
}

// The in-process Go server answers every documented path, and a reload
// keeps the listener while swapping servers.
func TestGoServerPathsAndReload(t *testing.T) {
	certs, err := testcert.Default()
	require.NoError(t, err)
	s, err := Start(t.Context(), Go, Options{Dir: t.TempDir(), Certs: certs, IdleTimeout: time.Second})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Stop()) }()
	tr := &http.Transport{TLSClientConfig: s.ClientTLS(), ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	base, ok := s.URL(H2)
	require.True(t, ok)

	check := func() {
		resp, err := hc.Get(base + File64K)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, "HTTP/2.0", resp.Proto)
		require.Equal(t, Sum(File(File64K)), Sum(b))
	}
	check()
	resp, err := hc.Post(base+SumPath, "application/octet-stream", strings.NewReader("abc"))
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	h := sha256.Sum256([]byte("abc"))
	require.Equal(t, "3 "+hex.EncodeToString(h[:]), string(b))

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Reload(ctx))
	check()
}
