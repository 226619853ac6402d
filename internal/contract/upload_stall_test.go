package contract

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// A server that stops reading in the middle of an upload stalls the
// client's writes: after the write timeout the request fails with a
// timeout (a net.Error whose Timeout is true, as net/http's are) that says
// the write made no progress, not with the connection closed under it. No
// byte of a response came, as for a connection lost before the response.
func TestStalledUploadFailsWithTheWriteTimeout(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		var e *env
		// Go's HTTP/1.1 server does not watch a connection whose request
		// body is unread, so the handler also ends with the test.
		ended := make(chan struct{})
		e = newEnv(t, k, settings{writeByteTimeout: 2 * time.Second, buffered: 16 << 10},
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					return
				}
				e.sc.stopReading()
				select {
				case <-r.Context().Done():
				case <-ended:
				}
			}))
		t.Cleanup(func() { close(ended) })
		// One exchange first, so that on HTTP/2 the server's SETTINGS are
		// read and acknowledged before the upload stalls the writer: an
		// acknowledgement queued behind a stalled write makes the reader
		// wait on the writer's mutex, which synctest does not count as
		// blocked, so its clock would never reach the write timeout.
		warm, err := e.roundTrip(e.get(t.Context(), "/"))
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, warm.Body)
		require.NoError(t, err)
		require.NoError(t, warm.Body.Close())
		start := time.Now()
		resp, err := e.roundTrip(post(t, bytes.NewReader(make([]byte, 1<<20))))
		require.Nil(t, resp)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "want a timeout, got %v", err)
		require.ErrorContains(t, err, "write made no progress for 2s")
		require.Equal(t, retry.NoResponse, retry.ProgressOf(err), "%v", err)
		require.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	})
}
