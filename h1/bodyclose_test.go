package h1

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// getWith runs one GET whose response is resp and returns it unread.
func getWith(t *testing.T, pc *pipeConn, resp string) (*http.Response, <-chan error) {
	t.Helper()
	done := serve(t, pc.srv, answer(resp))
	mustReserve(t, pc.Conn)
	r, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	return r, done
}

func TestBodyCloseDrainsSmallRestAndReuses(t *testing.T) {
	for name, resp := range map[string]string{
		"length":  "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef",
		"chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			pc := newPipeConn(t, nil, ConnOptions{})
			r, done := getWith(t, pc, resp)
			require.NoError(t, <-done, "the whole response is written, so it sits in the reader")
			b := make([]byte, 2)
			_, err := io.ReadFull(r.Body, b)
			require.NoError(t, err)
			require.NoError(t, r.Body.Close())
			require.NoError(t, pc.Err(), "drained: reusable")
			require.Equal(t, 1, pc.Available())
			_, err = r.Body.Read(b)
			require.EqualError(t, err, "h1: read on closed response body")
		})
	}
}

func TestBodyCloseWithLargeRestClosesConn(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	r, _ := getWith(t, pc, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"+strings.Repeat("x", 100))
	require.NoError(t, r.Body.Close())
	require.Error(t, pc.Err())
	require.Equal(t, 0, pc.InFlight())
	require.EqualValues(t, 1, pc.changes.Load())
}

func TestBodyCloseGivesUpOnSlowRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		r, _ := getWith(t, pc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
		b := make([]byte, 3)
		_, err := io.ReadFull(r.Body, b)
		require.NoError(t, err)
		// The server never sends the last chunk: Close waits drainTimeout
		// and closes the connection.
		require.NoError(t, r.Body.Close())
		require.Error(t, pc.Err())
		require.Equal(t, 0, pc.InFlight())
	})
}

func TestBodyCloseOnUntilCloseBodyClosesConn(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	r, _ := getWith(t, pc, "HTTP/1.1 200 OK\r\n\r\nabc")
	require.NoError(t, r.Body.Close())
	require.Error(t, pc.Err())
}

func TestUntilCloseBodyEndsAtEOFWithoutReuse(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		if err := answer("HTTP/1.1 200 OK\r\n\r\nabc")(p); err != nil {
			return err
		}
		return p.nc.Close()
	})
	mustReserve(t, pc.Conn)
	r, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	require.Equal(t, "abc", readAll(t, r))
	require.NoError(t, <-done)
	require.Error(t, pc.Err())
	require.Equal(t, 0, pc.InFlight())
}

// Close while another goroutine is blocked in Read cannot drain: it closes
// the connection, the Read fails, and the slot frees once.
func TestBodyCloseDuringBlockedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		r, _ := getWith(t, pc, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
		b := make([]byte, 2)
		_, err := io.ReadFull(r.Body, b)
		require.NoError(t, err)
		readErr := make(chan error, 1)
		go func() {
			_, err := r.Body.Read(b)
			readErr <- err
		}()
		synctest.Wait()
		require.NoError(t, r.Body.Close())
		require.Error(t, <-readErr)
		require.Error(t, pc.Err())
		require.Equal(t, 0, pc.InFlight())
		require.EqualValues(t, 1, pc.changes.Load())
	})
}
