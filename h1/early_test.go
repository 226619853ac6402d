package h1

import (
	"io"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// A server may answer (413 here) before reading a large body. The response
// is delivered while the body is still being written; the connection is not
// reused because the body never finished cleanly.
func TestEarlyResponseWhileBodyIsWritten(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		done := serve(t, pc.srv, func(p *peer) error {
			if _, err := readHead(p.br); err != nil {
				return err
			}
			return p.write("HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\n\r\nbig")
		})
		body := &closeCounter{Reader: stream{strings.NewReader(strings.Repeat("x", 1<<20))}}
		req := newReq(t, "POST", "http://h/", body)
		req.ContentLength = 1 << 20
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(req)
		require.NoError(t, err)
		require.Equal(t, 413, resp.StatusCode)
		require.NoError(t, <-done)
		require.Equal(t, "big", readAll(t, resp))
		require.Error(t, pc.Err(), "the body write never completed")
		require.Equal(t, 0, pc.InFlight())
		require.Equal(t, 1, body.closes)
	})
}

// When the server reads the body after answering, the exchange ends
// cleanly and the connection is reused.
func TestEarlyResponseThenBodyCompletesKeepsConn(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	pr, pw := io.Pipe()
	done := serve(t, pc.srv, func(p *peer) error {
		if _, err := readHead(p.br); err != nil {
			return err
		}
		if err := p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(p.br, int64(len("4\r\nrest\r\n0\r\n\r\n"))))
		if string(b) != "4\r\nrest\r\n0\r\n\r\n" {
			return io.ErrUnexpectedEOF
		}
		return err
	})
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(newReq(t, "POST", "http://h/", pr))
	require.NoError(t, err)
	// The body is still open while the response is in hand.
	_, err = io.WriteString(pw, "rest")
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	require.Equal(t, "ok", readAll(t, resp))
	require.NoError(t, <-done)
	require.NoError(t, pc.Err())
	require.Equal(t, 1, pc.Available())
}

// A request body that fails to read aborts the exchange with its error.
func TestRequestBodyReadErrorFailsExchange(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	serve(t, pc.srv, func(p *peer) error {
		_, err := io.Copy(io.Discard, p.br)
		return err
	})
	pr, pw := io.Pipe()
	pw.CloseWithError(io.ErrClosedPipe)
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(newReq(t, "POST", "http://h/", pr))
	require.ErrorIs(t, err, io.ErrClosedPipe)
	require.ErrorContains(t, err, "h1: reading request body")
	require.Error(t, pc.Err())
}

func TestRequestBodyShorterThanContentLength(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	serve(t, pc.srv, func(p *peer) error {
		_, err := io.Copy(io.Discard, p.br)
		return err
	})
	req := newReq(t, "POST", "http://h/", stream{strings.NewReader("abc")})
	req.ContentLength = 10
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(req)
	require.EqualError(t, err, "h1: request body ended after 3 of 10 bytes (ContentLength)")
	require.Error(t, pc.Err())
}
