package contract

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
)

// A body whose bytes stop coming fails its Read once the body read timeout
// passes without a byte, with a timeout error; bytes that keep coming,
// however slowly, never trip it. HTTP/2 resets only the stream and its
// connection carries on; HTTP/1.1 has to close its connection.
func TestBodyReadTimeout(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		const d = 5 * time.Second
		e := newEnv(t, k, settings{bodyReadTimeout: d}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/next" {
				io.WriteString(w, "next")
				return
			}
			w.Header().Set("Content-Length", "100")
			for range 3 {
				io.WriteString(w, "x")
				w.(http.Flusher).Flush()
				time.Sleep(4 * time.Second)
			}
			<-r.Context().Done()
		}))
		resp, err := e.roundTrip(e.get(t.Context(), "/"))
		require.NoError(t, err)
		buf := make([]byte, 10)
		for range 3 {
			n, err := resp.Body.Read(buf)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
		start := time.Now()
		_, err = resp.Body.Read(buf)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "%s: want a timeout, got %v", k.name, err)
		te, ok := err.(net.Error) // as WithBodyReadTimeout promises, without errors.As
		require.True(t, ok && te.Timeout(), "%s: the Read's error is itself a net.Error timeout: %T %v", k.name, err, err)
		require.ErrorContains(t, err, "body read timeout")
		// The clock runs while a Read waits, as a socket read timeout does.
		require.Equal(t, d, time.Since(start))
		require.NoError(t, resp.Body.Close())
		synctest.Wait()
		require.Zero(t, e.conn.InFlight())

		if k.name == "h1" {
			require.Error(t, e.conn.Err(), "h1: the connection is closed")
			return
		}
		require.NoError(t, e.conn.Err(), "h2: only the stream was reset")
		resp, err = e.roundTrip(e.get(t.Context(), "/next"))
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "next", string(b))
		resp.Body.Close()
	})
}

// endless is a request body that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A peer that stops reading stalls an upload. The write-byte timeout fails
// it; switched off (a negative value) the upload waits for as long as the
// request's context lets it, on both protocols.
func TestStalledUploadAndWriteByteTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{{"bound 5s", 5 * time.Second}, {"bound off", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				// The server end never reads: 64 KiB in flight, then writes block.
				c, sc := memconn.NewPipe(memconn.Options{MaxBuffered: 64 << 10})
				conn := k.dial(t, c, settings{writeByteTimeout: tc.timeout}, nil)
				defer sc.Close()
				defer conn.Close()
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://example.com/upload", io.NopCloser(endless{}))
				require.NoError(t, err)
				require.True(t, conn.Reserve())
				done := make(chan error, 1)
				start := time.Now()
				go func() {
					resp, err := conn.RoundTrip(req)
					if err == nil {
						resp.Body.Close()
					}
					done <- err
				}()
				if tc.timeout > 0 {
					err := <-done
					var ne net.Error
					require.True(t, errors.As(err, &ne) && ne.Timeout(), "%s: want a timeout, got %v", k.name, err)
					require.GreaterOrEqual(t, time.Since(start), tc.timeout)
					return
				}
				time.Sleep(time.Hour)
				synctest.Wait()
				select {
				case err := <-done:
					t.Fatalf("%s: the stalled upload ended without a bound: %v", k.name, err)
				default:
				}
				cancel()
				err = <-done
				require.ErrorIs(t, err, context.Canceled, "%s", k.name)
			})
		})
	}
}
