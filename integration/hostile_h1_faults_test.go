package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/faults"
)

// startFaulty starts a faults.Server for the test; every handler failure
// fails the test when it ends.
func startFaulty(t *testing.T, h faults.Handler) *faults.Server {
	t.Helper()
	s, err := faults.Listen(h)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func h1Client(t *testing.T, opts ...plex.Option) *plex.Client {
	t.Helper()
	return newClient(t, nil, append([]plex.Option{plex.WithProtocols(plex.HTTP1)}, opts...)...)
}

func do(c *plex.Client, method, url string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	resp, err := c.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

var _ = registerSuite("TestHostileH1FaultOnFreshConnection", TestHostileH1FaultOnFreshConnection)

// TestHostileH1FaultOnFreshConnection breaks the first exchange of a new
// connection at each point, with a reset, a close and a half-close. Nothing proves
// the request was not processed, so it is never sent again, and the error
// says it may have been processed (or, mid-body, the read fails).
func TestHostileH1FaultOnFreshConnection(t *testing.T) {
	resp := faults.Response(200, pattern(4096), true)
	for _, p := range []faults.Point{faults.AfterRequest, faults.InHeaders, faults.InBody} {
		for _, a := range []faults.Action{faults.Reset, faults.Close, faults.HalfCloseWrite} {
			t.Run(fmt.Sprintf("%s %s", a, p), func(t *testing.T) {
				checks(t, "Faults: HTTP/1.1", "RFC 9112 §9.3.1", fmt.Sprintf("%s %s on a new connection: GET not retried, error says it may have been processed", a, p))
				s := startFaulty(t, func(c net.Conn, _ int) error {
					return faults.Strike(c, bufio.NewReader(c), p, a, resp)
				})
				c := h1Client(t)
				body, err := do(c, http.MethodGet, s.URL()+"/x", nil)
				require.Error(t, err)
				if p != faults.InBody {
					requireMaybeProcessed(t, err)
				}
				require.True(t, bytes.HasPrefix(pattern(4096), body), "body is not a prefix of what was sent")
				require.Equal(t, 1, s.Accepted(), "the request was sent again")
			})
		}
	}
}

var _ = registerSuite("TestHostileH1KeptAliveConnectionDropsRequest", TestHostileH1KeptAliveConnectionDropsRequest)

// TestHostileH1KeptAliveConnectionDropsRequest: a reused connection closes
// after the next request was written and before any response. A GET is
// sent again on a new connection; a POST is not, and its error says it may
// have been processed. The server sees each request at most once per
// permitted attempt.
func TestHostileH1KeptAliveConnectionDropsRequest(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, a := range []faults.Action{faults.Reset, faults.Close} {
			t.Run(method+" "+a.String(), func(t *testing.T) {
				rule := "kept-alive connection %s after the request was written: GET retried on a new connection"
				if method == http.MethodPost {
					rule = "kept-alive connection %s after the request was written: POST not retried, may have been processed"
				}
				checks(t, "Faults: HTTP/1.1", "RFC 9112 §9.3.1", fmt.Sprintf(rule, a))
				var seen atomic.Int32
				s := startFaulty(t, func(c net.Conn, n int) error {
					br := bufio.NewReader(c)
					if n > 0 {
						return serveOK(c, br, &seen)
					}
					if err := serveOK(c, br, &seen); err != nil {
						return err
					}
					seen.Add(1)
					return faults.Strike(c, br, faults.AfterRequest, a, nil)
				})
				c := h1Client(t)
				body, err := do(c, http.MethodGet, s.URL()+"/warm", nil)
				require.NoError(t, err)
				require.Equal(t, "ok", string(body))
				body, err = do(c, method, s.URL()+"/x", []byte("payload"))
				if method == http.MethodPost {
					requireMaybeProcessed(t, err)
					require.Equal(t, int32(2), seen.Load())
					require.Equal(t, 1, s.Accepted())
					return
				}
				require.NoError(t, err)
				require.Equal(t, "ok", string(body))
				require.Equal(t, int32(3), seen.Load())
				require.Equal(t, 2, s.Accepted())
			})
		}
	}
}

// serveOK answers one request with "ok" on a kept-alive connection.
func serveOK(c net.Conn, br *bufio.Reader, seen *atomic.Int32) error {
	if _, _, err := faults.ReadRequest(br); err != nil {
		return err
	}
	seen.Add(1)
	_, err := c.Write(faults.Response(200, []byte("ok"), true))
	return err
}

var _ = registerSuite("TestHostileH1IdleConnectionClosedByServer", TestHostileH1IdleConnectionClosedByServer)

// TestHostileH1IdleConnectionClosedByServer: the server closes a kept-alive
// connection while it is idle. The next GET succeeds (on a new
// connection), and a POST reaches the server at most once.
func TestHostileH1IdleConnectionClosedByServer(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			checks(t, "Faults: HTTP/1.1", "RFC 9112 §9.3.1", "server closes an idle kept-alive connection: the next "+method+" is delivered at most once")
			var seen atomic.Int32
			closed := make(chan struct{})
			s := startFaulty(t, func(c net.Conn, n int) error {
				br := bufio.NewReader(c)
				if err := serveOK(c, br, &seen); err != nil {
					return err
				}
				if n == 0 {
					defer close(closed)
					return faults.ResetConn(c)
				}
				return nil
			})
			c := h1Client(t)
			_, err := do(c, http.MethodGet, s.URL()+"/warm", nil)
			require.NoError(t, err)
			<-closed
			body, err := do(c, method, s.URL()+"/x", []byte("payload"))
			if method == http.MethodGet {
				require.NoError(t, err)
				require.Equal(t, "ok", string(body))
			} else if err != nil {
				requireMaybeProcessed(t, err)
			}
			require.LessOrEqual(t, seen.Load(), int32(2))
		})
	}
}

var _ = registerSuite("TestHostileH1HalfCloseDuringHeaders", TestHostileH1HalfCloseDuringHeaders)

// TestHostileH1HalfCloseDuringHeaders: a FIN halfway through the header
// section is a truncated response, reported as such.
func TestHostileH1HalfCloseDuringHeaders(t *testing.T) {
	checks(t, "Faults: HTTP/1.1", "RFC 9112 §8", "server half-closes during the response headers: io.ErrUnexpectedEOF, may have been processed")
	s := startFaulty(t, func(c net.Conn, _ int) error {
		return faults.Strike(c, bufio.NewReader(c), faults.InHeaders, faults.HalfCloseWrite, faults.Response(200, []byte("ok"), true))
	})
	_, err := do(h1Client(t), http.MethodGet, s.URL()+"/", nil)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	requireMaybeProcessed(t, err)
	require.Equal(t, 1, s.Accepted())
}

var _ = registerSuite("TestHostileH1ServerStopsWriting", TestHostileH1ServerStopsWriting)

// TestHostileH1ServerStopsWriting: a server that reads the request and
// never answers is cut off by the response header timeout.
func TestHostileH1ServerStopsWriting(t *testing.T) {
	checks(t, "Faults: HTTP/1.1", "timeout", "server stops writing: WithResponseHeaderTimeout fails the request with a timeout, may have been processed")
	s := startFaulty(t, func(c net.Conn, _ int) error {
		return faults.Strike(c, bufio.NewReader(c), faults.AfterRequest, faults.Stall, nil)
	})
	start := time.Now()
	_, err := do(h1Client(t, plex.WithResponseHeaderTimeout(200*time.Millisecond)), http.MethodGet, s.URL()+"/", nil)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), err.Error())
	requireMaybeProcessed(t, err)
	require.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)
}

var _ = registerSuite("TestHostileH1TrickledResponse", TestHostileH1TrickledResponse)

// TestHostileH1TrickledResponse: a response sent one byte per segment
// arrives intact.
func TestHostileH1TrickledResponse(t *testing.T) {
	checks(t, "Faults: HTTP/1.1", "RFC 9112 §6", "response trickled one byte per TCP segment: every byte delivered intact")
	want := pattern(2000)
	s := startFaulty(t, func(c net.Conn, _ int) error {
		br := bufio.NewReader(c)
		if _, _, err := faults.ReadRequest(br); err != nil {
			return err
		}
		return faults.Trickle(c, faults.Response(200, want, false), 1, 0)
	})
	body, err := do(h1Client(t), http.MethodGet, s.URL()+"/", nil)
	require.NoError(t, err)
	require.Equal(t, sum(want), sum(body))
}
