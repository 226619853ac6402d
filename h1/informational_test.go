package h1

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInformationalResponsesGoToTrace(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, answer("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"+
		"HTTP/1.1 102 Processing\r\n\r\n"+okHello))
	var got []int
	var links []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		got = append(got, code)
		links = append(links, h.Get("Link"))
		return nil
	}}
	req := newReq(t, "GET", "http://h/", nil)
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "hello", readAll(t, resp))
	require.Equal(t, []int{103, 102}, got)
	require.Equal(t, []string{"</a.css>", ""}, links)
	require.NoError(t, <-done)
	require.NoError(t, pc.Err())
}

func TestTooManyInformationalResponses(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	serve(t, pc.srv, answer(strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6)+okHello))
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.EqualError(t, err, "h1: more than 5 informational (1xx) responses")
	require.Error(t, pc.Err())
	require.Equal(t, 0, pc.InFlight())
}

func TestGot1xxResponseErrorAbortsExchange(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	serve(t, pc.srv, answer("HTTP/1.1 103 Early Hints\r\n\r\n"+okHello))
	refuse := io.ErrNoProgress
	trace := &httptrace.ClientTrace{Got1xxResponse: func(int, textproto.MIMEHeader) error { return refuse }}
	req := newReq(t, "GET", "http://h/", nil)
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(req)
	require.ErrorIs(t, err, refuse)
	require.Error(t, pc.Err())
}

// A 101 response hands the connection over: the body reads and writes the
// raw stream, and the connection never carries another request.
func TestSwitchingProtocolsReturnsConnAsBody(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		if err := answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhi")(p); err != nil {
			return err
		}
		b := make([]byte, 4)
		if _, err := io.ReadFull(p.br, b); err != nil {
			return err
		}
		return p.write(strings.ToUpper(string(b)))
	})
	req := newReq(t, "GET", "http://h/", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "echo")
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	rw, ok := resp.Body.(io.ReadWriteCloser)
	require.True(t, ok, "the body is the connection")
	require.Error(t, pc.Err(), "never reused")
	require.True(t, pc.Detached(), "the pool is told to let go of it")
	require.EqualValues(t, 1, pc.changes.Load(), "the pool heard of the handover")
	require.Equal(t, 1, pc.InFlight())

	b := make([]byte, 2)
	_, err = io.ReadFull(rw, b)
	require.NoError(t, err)
	require.Equal(t, "hi", string(b))
	_, err = rw.Write([]byte("ping"))
	require.NoError(t, err)
	b = make([]byte, 4)
	_, err = io.ReadFull(rw, b)
	require.NoError(t, err)
	require.Equal(t, "PING", string(b))
	require.NoError(t, <-done)

	require.NoError(t, rw.Close())
	require.NoError(t, rw.Close())
	require.Equal(t, 0, pc.InFlight())
	require.EqualValues(t, 2, pc.changes.Load())
}
