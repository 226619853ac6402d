package h1

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
)

// countingConn counts the reads and writes that reach the network.
type countingConn struct {
	net.Conn
	reads, writes atomic.Int32
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.Conn.Read(p)
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// bigHeaderReq is a request whose header section is about 40 KiB.
func bigHeaderReq(t *testing.T) *http.Request {
	req := newReq(t, "GET", "http://h/", nil)
	for i := range 40 {
		req.Header.Set("X-Filler-"+strings.Repeat("a", i%5+1)+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("v", 1000))
	}
	return req
}

// The write buffer decides how many writes a large header section takes:
// the default 4 KiB buffer needs one per 4 KiB, a 64 KiB one a single write.
func TestWriteBufferSizeSetsWriteCount(t *testing.T) {
	for _, tc := range []struct {
		size      int
		maxWrites int32
		minWrites int32
	}{
		{0, 20, 10}, // DefaultBufferSize: about 40 KiB / 4 KiB
		{64 << 10, 1, 1},
	} {
		synctest.Test(t, func(t *testing.T) {
			cli, srv := memconn.Pipe()
			cc := &countingConn{Conn: cli}
			c := NewConn(cc, &Config{WriteBufferSize: tc.size}, ConnOptions{}, nil)
			defer c.Close()
			done := serve(t, srv, answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			mustReserve(t, c)
			resp, err := c.RoundTrip(bigHeaderReq(t))
			require.NoError(t, err)
			require.Equal(t, "ok", readAll(t, resp))
			require.NoError(t, <-done)
			got := cc.writes.Load()
			require.GreaterOrEqual(t, got, tc.minWrites, "size %d", tc.size)
			require.LessOrEqual(t, got, tc.maxWrites, "size %d", tc.size)
		})
	}
}

// The read buffer decides how many reads a large response header takes.
func TestReadBufferSizeSetsReadCount(t *testing.T) {
	head := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("v", 990)+"\r\n", 40) + "Content-Length: 2\r\n\r\nok"
	for _, tc := range []struct {
		size     int
		minReads int32
		maxReads int32
	}{
		{0, 10, 20},
		{64 << 10, 1, 2},
	} {
		synctest.Test(t, func(t *testing.T) {
			cli, srv := memconn.Pipe()
			cc := &countingConn{Conn: cli}
			c := NewConn(cc, &Config{ReadBufferSize: tc.size}, ConnOptions{}, nil)
			defer c.Close()
			done := serve(t, srv, answer(head))
			mustReserve(t, c)
			resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
			require.NoError(t, err)
			require.Equal(t, "ok", readAll(t, resp))
			require.NoError(t, <-done)
			got := cc.reads.Load()
			require.GreaterOrEqual(t, got, tc.minReads, "size %d", tc.size)
			require.LessOrEqual(t, got, tc.maxReads, "size %d", tc.size)
		})
	}
}

func TestBufferSizesValidated(t *testing.T) {
	err := (&Config{ReadBufferSize: -1, WriteBufferSize: -2, BodyReadTimeout: -time.Second}).Validate()
	require.ErrorContains(t, err, "h1: ReadBufferSize -1 is negative")
	require.ErrorContains(t, err, "h1: WriteBufferSize -2 is negative")
	require.ErrorContains(t, err, "h1: BodyReadTimeout -1s is negative")
}

// Without keep-alives each request says "Connection: close" and its
// connection takes no second one, as net/http's DisableKeepAlives does; a
// request that asks to switch protocols keeps its own Connection header.
func TestDisableKeepAlivesSendsCloseAndUsesConnOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := memconn.Pipe()
		c := NewConn(cli, &Config{DisableKeepAlives: true}, ConnOptions{}, nil)
		defer c.Close()
		var raw string
		done := serve(t, srv, func(p *peer) error {
			_, r, err := p.readRequest()
			raw = r
			if err != nil {
				return err
			}
			return p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		})
		mustReserve(t, c)
		resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		require.Equal(t, "ok", readAll(t, resp))
		require.NoError(t, <-done)
		require.Contains(t, raw, "\r\nConnection: close\r\n")
		require.Equal(t, 1, strings.Count(raw, "Connection:"))
		require.Error(t, c.Err(), "the connection takes no second request")
		require.False(t, c.Reserve())

		// An upgrade request is not told to close.
		c2 := NewConn(nil, &Config{DisableKeepAlives: true}, ConnOptions{}, nil)
		req := newReq(t, "GET", "http://h/", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		var pl plan
		require.NoError(t, c2.makePlan(req, &pl))
		require.False(t, pl.closeHdr)
		require.True(t, pl.close)
	})
}

// A body that stops arriving fails its Read after BodyReadTimeout with a
// timeout error, and the connection is closed; bytes that keep coming,
// however slowly, never trip it.
func TestBodyReadTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 5 * time.Second
		cli, srv := memconn.Pipe()
		c := NewConn(cli, &Config{BodyReadTimeout: d}, ConnOptions{}, nil)
		defer c.Close()
		release := make(chan struct{})
		done := serve(t, srv, func(p *peer) error {
			if _, _, err := p.readRequest(); err != nil {
				return err
			}
			if err := p.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"); err != nil {
				return err
			}
			// A byte every 4s: slow, never stalled for 5s.
			for range 4 {
				time.Sleep(4 * time.Second)
				if err := p.write("x"); err != nil {
					return err
				}
			}
			<-release
			return nil
		})
		mustReserve(t, c)
		resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		buf := make([]byte, 10)
		n, err := io.ReadAtLeast(resp.Body, buf, 4)
		require.NoError(t, err)
		require.Equal(t, 4, n)
		start := time.Now()
		_, err = resp.Body.Read(buf)
		require.Equal(t, d, time.Since(start))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "want a timeout, got %v", err)
		te, ok := err.(net.Error)
		require.True(t, ok && te.Timeout(), "the Read's error is itself a net.Error timeout: %T %v", err, err)
		require.ErrorContains(t, err, "body read timeout")
		require.Error(t, c.Err(), "the connection is closed")
		close(release)
		require.NoError(t, <-done)
	})
}

// Once a body ended, its bound does not linger on the connection: the next
// exchange may wait for its header as long as it likes.
func TestBodyReadTimeoutEndsWithTheBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = 5 * time.Second
		cli, srv := memconn.Pipe()
		c := NewConn(cli, &Config{BodyReadTimeout: d}, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, func(p *peer) error {
			if err := answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")(p); err != nil {
				return err
			}
			if _, _, err := p.readRequest(); err != nil {
				return err
			}
			time.Sleep(3 * d)
			return p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		})
		for range 2 {
			mustReserve(t, c)
			resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
			require.NoError(t, err)
			require.Equal(t, "ok", readAll(t, resp))
		}
		require.NoError(t, <-done)
	})
}
