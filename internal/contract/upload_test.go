package contract

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// slowBody yields n chunks, one every gap on the bubble's clock.
type slowBody struct {
	n   int
	gap time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if b.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(b.gap)
	b.n--
	return copy(p, "chunk"), nil
}

func post(t *testing.T, body io.Reader) *http.Request {
	req, err := http.NewRequest(http.MethodPost, "http://example.com/upload", body)
	require.NoError(t, err)
	return req
}

// The response-header timeout counts from the end of the upload: a 10 s
// upload under a 5 s timeout succeeds when the answer follows the body
// closely, and fails 5 s after the body when no answer comes.
func TestResponseHeaderTimeoutAfterSlowUpload(t *testing.T) {
	for _, serverDelay := range []time.Duration{4 * time.Second, 6 * time.Second} {
		t.Run(serverDelay.String(), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{responseHeaderTimeout: 5 * time.Second}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					n, _ := io.Copy(io.Discard, r.Body)
					select {
					case <-time.After(serverDelay):
					case <-r.Context().Done():
						return
					}
					w.Header().Set("X-Got", http.StatusText(int(n)))
				}))
				resp, err := e.roundTrip(post(t, io.NopCloser(&slowBody{n: 10, gap: time.Second})))
				if serverDelay < 5*time.Second {
					require.NoError(t, err)
					resp.Body.Close()
					return
				}
				var ne net.Error
				require.True(t, errors.As(err, &ne) && ne.Timeout(), "want a timeout, got %v", err)
				// Never sent again: the server may be at work on it.
				require.Equal(t, retry.MaybeProcessed, retry.ProgressOf(err), "%v", err)
			})
		})
	}
}

// A server that answers before reading the upload ends it: the response
// arrives whole and the request body is closed.
func TestEarlyResponseToUpload(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, "too large")
		}))
		body := &closeSpy{Reader: bytes.NewReader(make([]byte, 8<<20))}
		resp, err := e.roundTrip(post(t, body))
		require.NoError(t, err)
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "too large", string(got))
		resp.Body.Close()
		synctest.Wait()
		require.True(t, body.closed, "the request body must be closed")
	})
}

type closeSpy struct {
	io.Reader
	closed bool
}

func (c *closeSpy) Close() error { c.closed = true; return nil }
