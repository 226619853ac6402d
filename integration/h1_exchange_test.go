package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// bodyHandler serves /blob/N with N pattern bytes and answers uploads with
// the sha256 of what it read.
func bodyHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /blob/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	})
	mux.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
	})
	return mux
}

// checkUploads posts bodies of each size to a /sum endpoint and checks
// that the server read exactly those bytes.
func checkUploads(t *testing.T, c *plex.Client, url string, sizes ...int) {
	t.Helper()
	for _, n := range sizes {
		data := pattern(n)
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
		require.NoError(t, err)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, fmt.Sprintf("%d %s", n, sum(data)), string(got), "upload of %d bytes", n)
	}
}

func TestHTTP1ExchangeOverTCPAndTLS(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  []string
	}{
		{"tcp", nil},
		{"tls-alpn-http1", []string{"http/1.1"}},
		{"tls-no-alpn", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s *goServer
			if tc.tls == nil {
				s = startGo(t, bodyHandler())
			} else {
				s = startGo(t, bodyHandler(), "http/1.1")
				s.TLS.NextProtos = tc.tls
			}
			c := newClient(t, s)
			for _, n := range []int{0, 1, 4096, 1 << 20} {
				resp, body := get(t, c, fmt.Sprintf("%s/blob/%d", s.URL, n))
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Equal(t, "HTTP/1.1", resp.Proto)
				require.Equal(t, 1, resp.ProtoMajor)
				require.Equal(t, 1, resp.ProtoMinor)
				require.Equal(t, sum(pattern(n)), sum(body), "body of %d bytes", n)
				if tc.tls != nil {
					require.NotNil(t, resp.TLS)
					require.True(t, resp.TLS.HandshakeComplete)
				} else {
					require.Nil(t, resp.TLS)
				}
			}
			checkUploads(t, c, s.URL+"/sum", 0, 10, 1<<20)
			require.EqualValues(t, 1, s.conns.Load(), "every exchange reused the one connection")
			st := c.Stats()
			require.Equal(t, 1, st.HTTP1Conns)
			require.Equal(t, 1, st.HTTP1IdleConns)
			require.EqualValues(t, 6, st.Reuses)
		})
	}
}

func TestHTTP1UploadOfUnknownLengthIsChunked(t *testing.T) {
	s := startGo(t, bodyHandler())
	c := newClient(t, s)
	data := pattern(300_000)
	pr, pw := io.Pipe()
	go func() {
		for b := data; len(b) > 0; {
			n := min(len(b), 7000)
			if _, err := pw.Write(b[:n]); err != nil {
				return
			}
			b = b[n:]
		}
		pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/sum", pr)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d %s", len(data), sum(data)), string(got))
}

func TestHTTP2OnlyAgainstHTTP1ServerFailsClearly(t *testing.T) {
	s := startGo(t, bodyHandler(), "http/1.1")
	c := newClient(t, s, plex.WithProtocols(plex.HTTP2))
	req, err := http.NewRequest(http.MethodGet, s.URL+"/blob/1", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.Error(t, err)
	require.Contains(t, err.Error(), "h2")
	require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
}
