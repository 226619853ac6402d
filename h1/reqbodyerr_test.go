package h1

import (
	"errors"
	"net/http/httptrace"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
)

var errBodyBroke = errors.New("test: request body broke")

// brokenBody yields a few bytes, then fails.
type brokenBody struct{ sent bool }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errBodyBroke
	}
	b.sent = true
	return copy(p, "partial"), nil
}

func (b *brokenBody) Close() error { return nil }

// lingeringCloseConn is a connection whose Close lets the peer answer, and
// the client read that answer, before it really closes: as a TLS
// connection's Close does at times, sending close_notify (which a server
// takes for the end of the body it was reading, and answers 400) before
// closing the socket, while a read already woken by the answer completes.
type lingeringCloseConn struct {
	*memconn.Conn
	closing   chan struct{} // closed when Close begins
	delivered chan struct{} // closed when a Read got bytes after that
}

func (c *lingeringCloseConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	select {
	case <-c.closing:
		if n > 0 {
			close(c.delivered)
		}
	default:
	}
	return n, err
}

func (c *lingeringCloseConn) Close() error {
	select {
	case <-c.closing:
	default:
		close(c.closing)
		<-c.delivered
	}
	return c.Conn.Close()
}

// A request body whose Read fails fails the exchange with that error, as
// net/http's does, even when the server's answer to the cut-short request
// (a 400 for the body that ended early) arrives before the client is done
// closing the connection.
func TestRequestBodyErrorBeatsTheServersAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := memconn.Pipe()
		lc := &lingeringCloseConn{Conn: cli, closing: make(chan struct{}), delivered: make(chan struct{})}
		c := NewConn(lc, nil, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, func(p *peer) error {
			if _, err := readHead(p.br); err != nil {
				return err
			}
			<-lc.closing
			return p.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 14\r\nConnection: close\r\n\r\nunexpected EOF")
		})
		mustReserve(t, c)
		var gotByte bool
		trace := &httptrace.ClientTrace{GotFirstResponseByte: func() { gotByte = true }}
		req := newReq(t, "POST", "http://h/", &brokenBody{})
		resp, err := c.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
		if resp != nil {
			resp.Body.Close()
			require.Failf(t, "the server's answer instead of the body's error", "status %d", resp.StatusCode)
		}
		require.ErrorIs(t, err, errBodyBroke)
		require.False(t, gotByte, "the answer to the cut-short request is not a response to it")
		require.NoError(t, <-done)
		require.Error(t, c.Err())
	})
}
