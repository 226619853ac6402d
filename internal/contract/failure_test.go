package contract

import (
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// The connection dies after the server read the request and before it
// answered: the request may have been processed, but no byte of a response
// came, which both kinds mark NoResponse (replayed only when idempotent and
// on a reused connection).
func TestConnectionLostBeforeResponse(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		var e *env
		e = newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.sc.Close()
		}))
		_, err := e.roundTrip(e.get(context.Background(), "/"))
		require.Error(t, err)
		require.Equal(t, retry.NoResponse, retry.ProgressOf(err), "%v", err)
	})
}

// The connection dies in the middle of a body: the read fails (never a
// clean EOF), and the bytes received before are delivered first.
func TestConnectionLostMidBody(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		var e *env
		e = newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
			// Go's HTTP/2 server writes a flushed frame on its own
			// goroutine: let it reach the client before the close.
			synctest.Wait()
			e.sc.Close()
		}))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		require.Error(t, err)
		require.NotErrorIs(t, err, io.EOF)
		require.Equal(t, "partial", string(got))
	})
}

// The server closes an idle connection. HTTP/2 learns it at once (its
// reader sees the close) and takes no more requests; HTTP/1.1 has no reader
// while idle and learns it when the next request looks at the socket. Either
// way the next request is never lost: it is refused before anything is
// written, marked unprocessed.
func TestIdleConnectionClosedByServer(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		synctest.Wait()
		e.sc.Close()
		synctest.Wait()
		if !e.conn.Reserve() {
			require.Error(t, e.conn.Err(), "a connection that takes no request says why")
			return
		}
		_, err = e.conn.RoundTrip(e.get(context.Background(), "/"))
		require.Error(t, err)
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(err), "%v", err)
	})
}
