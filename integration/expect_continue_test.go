package integration

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// countingBody counts the bytes the client takes from a request body.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return nil }

// TestExpectContinueAgainstGoServer: Go's server answers "Expect:
// 100-continue" with a 100 when the handler reads the body, and a handler
// may refuse without reading it. The timeout is far longer than the test's
// deadline, so only the server's answers can move the upload along.
func TestExpectContinueAgainstGoServer(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Refuse") != "" {
			w.WriteHeader(http.StatusExpectationFailed)
			return
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		io.WriteString(w, strconv.FormatInt(n, 10))
	})
	for _, tc := range []struct {
		name  string
		proto plex.Protocol
		alpn  []string
	}{
		{"h2", plex.HTTP2, []string{"h2"}},
		{"http1", plex.HTTP1, []string{"http/1.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startGo(t, handler, tc.alpn...)
			c := newClient(t, s, plex.WithProtocols(tc.proto), plex.WithExpectContinueTimeout(time.Hour))
			send := func(refuse bool) (*http.Response, string, *countingBody) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				body := &countingBody{r: strings.NewReader(strings.Repeat("x", 100_000))}
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.URL+"/up", body)
				require.NoError(t, err)
				req.ContentLength = 100_000
				req.Header.Set("Expect", "100-continue")
				if refuse {
					req.Header.Set("X-Refuse", "1")
				}
				resp, err := c.Do(req)
				require.NoError(t, err)
				got, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				return resp, string(got), body
			}

			resp, got, body := send(false)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, "100000", got)
			require.Equal(t, int64(100_000), body.read.Load())

			resp, _, body = send(true)
			require.Equal(t, http.StatusExpectationFailed, resp.StatusCode)
			require.Zero(t, body.read.Load(), "the refused body is not sent")

			// The connection (or pool) still serves requests.
			resp, got, _ = send(false)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, "100000", got)
		})
	}
}
