package h1

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http/httptrace"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTraceHooksFireInOrder(t *testing.T) {
	pc := newPipeConn(t, &Config{DisableCompression: true}, ConnOptions{})
	done := serve(t, pc.srv, answer(okHello))
	log := &traceLog{}
	tr := log.trace()
	tr.WroteHeaderField = func(k string, v []string) { log.add(fmt.Sprintf("%s=%s", k, strings.Join(v, ","))) }
	req := newReq(t, "POST", "http://h/", strings.NewReader("body"))
	req.Header.Set("X-A", "1")
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), tr))
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, "hello", readAll(t, resp))
	require.NoError(t, <-done)
	require.Equal(t, []string{
		"Host=h", "User-Agent=plex/1", "Content-Length=4", "X-A=1",
		"WroteHeaders", "WroteRequest", "GotFirstResponseByte",
	}, log.get())
}

// A response without a body ends the exchange before RoundTrip returns.
func TestBodilessResponseFreesSlotAtOnce(t *testing.T) {
	for _, tc := range []struct{ method, resp string }{
		{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"},
		{"GET", "HTTP/1.1 204 No Content\r\n\r\n"},
		{"GET", "HTTP/1.1 304 Not Modified\r\n\r\n"},
		{"GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	} {
		t.Run(tc.method+" "+tc.resp[9:12], func(t *testing.T) {
			pc := newPipeConn(t, nil, ConnOptions{})
			done := serve(t, pc.srv, answer(tc.resp))
			mustReserve(t, pc.Conn)
			resp, err := pc.RoundTrip(newReq(t, tc.method, "http://h/", nil))
			require.NoError(t, err)
			require.NoError(t, <-done)
			require.Equal(t, 0, pc.InFlight())
			require.Equal(t, 1, pc.Available())
			require.Empty(t, readAll(t, resp))
		})
	}
}

func TestResponseCarriesRequestAndTLS(t *testing.T) {
	state := &tls.ConnectionState{NegotiatedProtocol: "http/1.1"}
	pc := newPipeConn(t, nil, ConnOptions{TLS: state})
	done := serve(t, pc.srv, answer(okHello))
	req := newReq(t, "GET", "http://h/", nil)
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Same(t, req, resp.Request)
	require.Same(t, state, resp.TLS)
	require.Equal(t, "HTTP/1.1", resp.Proto)
	readAll(t, resp)
	require.NoError(t, <-done)
}
