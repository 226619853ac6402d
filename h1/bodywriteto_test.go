package h1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
)

// readLog is a connection that records the size of every read.
type readLog struct {
	net.Conn
	mu    sync.Mutex
	sizes []int
}

func (r *readLog) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	r.mu.Lock()
	r.sizes = append(r.sizes, n)
	r.mu.Unlock()
	return n, err
}

func (r *readLog) reads() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.sizes...)
}

// io.Copy(io.Discard, resp.Body), the usual way to drain a body, reads
// the connection in bulkBufSize reads through the body's WriteTo, not in
// the 8 KiB reads of io.Discard's ReadFrom.
func TestBodyCopiedInLargeReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		cli, srv := memconn.Pipe()
		rl := &readLog{Conn: cli}
		c := NewConn(rl, nil, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, answer(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload)))
		mustReserve(t, c)
		resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		require.NoError(t, <-done)
		var got bytes.Buffer
		n, err := io.Copy(struct{ io.Writer }{&got}, resp.Body) // no ReadFrom: the body's WriteTo serves
		require.NoError(t, err)
		require.Equal(t, int64(len(payload)), n)
		require.Equal(t, payload, got.Bytes())
		require.NoError(t, resp.Body.Close())
		require.NoError(t, c.Err())
		require.Equal(t, 1, c.Available(), "the slot freed at EOF")

		// The head's read, then the body in bulkBufSize reads.
		sizes := rl.reads()
		require.LessOrEqual(t, len(sizes), 1+len(payload)/bulkBufSize+1, "read sizes %v", sizes)

		mustReserve(t, c)
		done = serve(t, srv, answer(okOK))
		resp, err = c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		n, err = io.Copy(io.Discard, resp.Body)
		require.NoError(t, err)
		require.Equal(t, int64(2), n)
		require.NoError(t, <-done)
		srv.Close()
	})
}

// Through WriteTo a chunked body still fills in its trailers at EOF, and
// a body cut short still fails.
func TestBodyWriteToKeepsFraming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := memconn.Pipe()
		c := NewConn(cli, nil, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"+
			"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"))
		mustReserve(t, c)
		resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		var got strings.Builder
		_, err = io.Copy(&got, resp.Body)
		require.NoError(t, err)
		require.Equal(t, "hello world", got.String())
		require.Equal(t, "42", resp.Trailer.Get("X-Sum"))
		require.NoError(t, <-done)
		require.NoError(t, resp.Body.Close())

		done = serve(t, srv, func(p *peer) error {
			if err := answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")(p); err != nil {
				return err
			}
			return p.nc.Close()
		})
		mustReserve(t, c)
		resp, err = c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		require.NoError(t, <-done)
		require.NoError(t, resp.Body.Close())
		require.Error(t, c.Err())
	})
}

var errSinkFull = errors.New("test: sink full")

// failingSink takes a few bytes, then fails.
type failingSink struct{ took int }

func (s *failingSink) Write(p []byte) (int, error) {
	if s.took > 0 {
		return 0, errSinkFull
	}
	s.took = len(p)
	return len(p), nil
}

// A destination that fails ends the copy with its error and leaves the
// body for Close, which ends the exchange.
func TestBodyWriteToDestinationFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := memconn.Pipe()
		c := NewConn(cli, nil, ConnOptions{}, nil)
		defer c.Close()
		payload := strings.Repeat("x", 300<<10)
		done := serve(t, srv, answer(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload)))
		mustReserve(t, c)
		resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		require.NoError(t, <-done)
		_, err = io.Copy(&failingSink{}, resp.Body)
		require.ErrorIs(t, err, errSinkFull)
		require.Equal(t, 0, c.Available(), "the exchange is not over")
		require.NoError(t, resp.Body.Close())
		require.Equal(t, 0, c.InFlight())
		srv.Close()
	})
}
