package faults

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrefixCutsAtEachPoint(t *testing.T) {
	resp := Response(200, []byte("0123456789"), true)
	head := len(resp) - 10
	require.Empty(t, Prefix(resp, BeforeRequest))
	require.Empty(t, Prefix(resp, AfterRequest))
	require.Equal(t, resp[:(head-4)/2], Prefix(resp, InHeaders))
	require.Equal(t, resp[:head+5], Prefix(resp, InBody))
}

// dialStrike runs Strike on a Server and sends one GET; it returns what the
// client read and the read error.
func dialStrike(t *testing.T, p Point, a Action) ([]byte, error) {
	resp := Response(200, []byte("0123456789"), true)
	s, err := Listen(func(c net.Conn, _ int) error { return Strike(c, bufio.NewReader(c), p, a, resp) })
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	c, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	return io.ReadAll(c)
}

func TestStrikeResetMidBody(t *testing.T) {
	got, err := dialStrike(t, InBody, Reset)
	require.True(t, errors.Is(err, syscall.ECONNRESET), "got %v", err)
	require.True(t, strings.HasPrefix("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n01234", string(got)))
}

func TestStrikeCloseInHeaders(t *testing.T) {
	got, err := dialStrike(t, InHeaders, Close)
	require.NoError(t, err)
	resp := Response(200, []byte("0123456789"), true)
	require.Equal(t, string(Prefix(resp, InHeaders)), string(got))
	require.Less(t, len(got), bytes.Index(resp, []byte("\r\n\r\n")))
}

func TestStrikeHalfCloseKeepsReading(t *testing.T) {
	got, err := dialStrike(t, AfterRequest, HalfCloseWrite)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestReadRequestReturnsBody(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"))
	req, body, err := ReadRequest(br)
	require.NoError(t, err)
	require.Equal(t, http.MethodPost, req.Method)
	require.Equal(t, "abc", string(body))
}

func TestServerReportsHandlerErrors(t *testing.T) {
	s, err := Listen(func(net.Conn, int) error { return errors.New("boom") })
	require.NoError(t, err)
	c, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	_, _ = io.ReadAll(c) // the handler returned and closed the connection
	c.Close()
	require.ErrorContains(t, s.Close(), "faults: connection 0: boom")
	require.Equal(t, 1, s.Accepted())
}

func TestPointAndActionNames(t *testing.T) {
	require.Equal(t, "mid-body", InBody.String())
	require.Equal(t, "reset", Reset.String())
	require.Equal(t, "Point(9)", Point(9).String())
}
