package integration

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func gzipHandler(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		io.WriteString(w, "plain")
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	io.WriteString(zw, strings.Repeat("squeeze ", 1000))
	zw.Close()
}

func TestTransparentGzipWhenClientAskedForIt(t *testing.T) {
	s := startGo(t, http.HandlerFunc(gzipHandler))
	c := newClient(t, s)
	resp, body := get(t, c, s.URL+"/")
	require.Equal(t, strings.Repeat("squeeze ", 1000), string(body))
	require.True(t, resp.Uncompressed)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.EqualValues(t, -1, resp.ContentLength)
}

func TestNoDecompressionWhenCallerSetAcceptEncoding(t *testing.T) {
	s := startGo(t, http.HandlerFunc(gzipHandler))
	c := newClient(t, s)
	req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.False(t, resp.Uncompressed)
	zr, err := gzip.NewReader(resp.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("squeeze ", 1000), string(body))
}
