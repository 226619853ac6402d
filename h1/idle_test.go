package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/testcert"
)

// tcpServer accepts one connection on loopback and runs fn on it.
func tcpServer(t *testing.T, cfg *tls.Config, fn func(nc net.Conn, br *bufio.Reader)) (addr string, done <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		defer ln.Close()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		fn(nc, bufio.NewReader(nc))
	}()
	t.Cleanup(func() { ln.Close(); <-ch })
	return ln.Addr().String(), ch
}

// serveOnce answers one request and then runs after.
func serveOnce(resp string, after func(nc net.Conn)) func(net.Conn, *bufio.Reader) {
	return func(nc net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(nc, resp)
		after(nc)
	}
}

func dialConn(t *testing.T, addr string, tlsCfg *tls.Config) *Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	if tlsCfg != nil {
		tc := tls.Client(nc, tlsCfg)
		require.NoError(t, tc.Handshake())
		nc = tc
	}
	c := NewConn(nc, nil, ConnOptions{}, nil)
	t.Cleanup(func() { c.Close() })
	return c
}

func firstExchange(t *testing.T, c *Conn, url string) {
	t.Helper()
	mustReserve(t, c)
	resp, err := c.RoundTrip(newReq(t, "GET", url, nil))
	require.NoError(t, err)
	require.Equal(t, "ok", readAll(t, resp))
	require.NoError(t, c.Err())
}

const okOK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// connClosedAfterOneExchange returns a connection that carried one
// exchange, over TLS or not, with a server that has since closed it.
func connClosedAfterOneExchange(t *testing.T, tlsOn bool) (*Conn, string) {
	t.Helper()
	var srvCfg, cliCfg *tls.Config
	if tlsOn {
		certs, err := testcert.Default()
		require.NoError(t, err)
		srvCfg, cliCfg = certs.ServerTLS(), certs.ClientTLS()
		cliCfg.ServerName = "localhost"
	}
	closed := make(chan struct{})
	addr, _ := tcpServer(t, srvCfg, serveOnce(okOK, func(nc net.Conn) {
		nc.Close()
		close(closed)
	}))
	c := dialConn(t, addr, cliCfg)
	firstExchange(t, c, "http://"+addr+"/")
	<-closed
	return c, addr
}

func TestIdleConnClosedByServerIsDetectedBeforeWriting(t *testing.T) {
	for name, tlsOn := range map[string]bool{"tcp": false, "tls": true} {
		t.Run(name, func(t *testing.T) {
			c, addr := connClosedAfterOneExchange(t, tlsOn)

			mustReserve(t, c)
			body := &closeCounter{Reader: stream{nil}}
			_, err := c.RoundTrip(newReq(t, "POST", "http://"+addr+"/", body))
			require.ErrorContains(t, err, "h1: server closed idle connection")
			require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
			require.Equal(t, 1, body.closes)
			require.Error(t, c.Err())
			require.Equal(t, 0, c.InFlight())
		})
	}
}

// Bytes read along with the last response (a body after a HEAD or 204
// answer, a second response) end the connection at once.
func TestStrayBytesReadWithResponseEndTheConnection(t *testing.T) {
	for _, tc := range []struct{ name, method, resp string }{
		{"after a body", "GET", okOK + "JUNK"},
		{"body of a HEAD answer", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{"response after a 204", "GET", "HTTP/1.1 204 No Content\r\n\r\n" + okOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := tcpServer(t, nil, serveOnce(tc.resp, func(nc net.Conn) {
				io.Copy(io.Discard, nc)
			}))
			c := dialConn(t, addr, nil)
			mustReserve(t, c)
			resp, err := c.RoundTrip(newReq(t, tc.method, "http://"+addr+"/", nil))
			require.NoError(t, err)
			readAll(t, resp)
			require.ErrorIs(t, c.Err(), errNotReusable)
			require.False(t, c.Reserve())
		})
	}
}

// strayLater answers one request with resp, waits for release, writes
// stray and closes wrote.
func strayLater(resp, stray string, release, wrote chan struct{}) func(net.Conn, *bufio.Reader) {
	return serveOnce(resp, func(nc net.Conn) {
		select {
		case <-release:
		case <-time.After(10 * time.Second):
			return
		}
		io.WriteString(nc, stray)
		close(wrote)
		io.Copy(io.Discard, nc)
	})
}

// Bytes that arrive while the connection is idle, however soon after the
// last exchange, end it before the next request is written, so the
// request is unprocessed and may go out on another connection.
func TestStrayBytesArrivingWhileIdleEndTheConnection(t *testing.T) {
	for _, tc := range []struct{ name, method, resp, stray string }{
		{"response", "GET", okOK, okOK},
		{"body of a HEAD answer", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", "ok"},
	} {
		for _, tlsOn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s tls=%v", tc.name, tlsOn), func(t *testing.T) {
				srvCfg, cliCfg := tlsConfigs(t, tlsOn)
				release, wrote := make(chan struct{}), make(chan struct{})
				addr, _ := tcpServer(t, srvCfg, strayLater(tc.resp, tc.stray, release, wrote))
				c := dialConn(t, addr, cliCfg)
				mustReserve(t, c)
				resp, err := c.RoundTrip(newReq(t, tc.method, "http://"+addr+"/", nil))
				require.NoError(t, err)
				readAll(t, resp)
				require.NoError(t, c.Err())
				close(release)
				waitClosed(t, wrote)

				mustReserve(t, c)
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				req := newReq(t, "GET", "http://"+addr+"/", nil).WithContext(ctx)
				_, err = c.RoundTrip(req)
				require.ErrorContains(t, err, "h1: unsolicited bytes arrived on idle connection")
				require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
				require.Error(t, c.Err())
				require.Equal(t, 0, c.InFlight())
			})
		}
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("timed out")
	}
}

func tlsConfigs(t *testing.T, on bool) (srv, cli *tls.Config) {
	if !on {
		return nil, nil
	}
	certs, err := testcert.Default()
	require.NoError(t, err)
	srv, cli = certs.ServerTLS(), certs.ClientTLS()
	cli.ServerName = "localhost"
	return srv, cli
}

// heldConn holds what is written to it while hold is set, so several TLS
// records can reach the peer in one segment.
type heldConn struct {
	net.Conn
	hold bool
	buf  []byte
}

func (h *heldConn) Write(p []byte) (int, error) {
	if h.hold {
		h.buf = append(h.buf, p...)
		return len(p), nil
	}
	return h.Conn.Write(p)
}

func (h *heldConn) flush() error {
	h.hold = false
	_, err := h.Conn.Write(h.buf)
	return err
}

// A TLS record that came in with the response's record waits inside the
// TLS layer, where a peek at the socket cannot see it; it is found all the
// same.
func TestStrayTLSRecordHeldByTLSLayerEndsTheConnection(t *testing.T) {
	srvCfg, cliCfg := tlsConfigs(t, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		hc := &heldConn{Conn: nc}
		tc := tls.Server(hc, srvCfg)
		if _, err := http.ReadRequest(bufio.NewReader(tc)); err != nil {
			return
		}
		hc.hold = true
		io.WriteString(tc, okOK)
		io.WriteString(tc, okOK)
		if hc.flush() == nil {
			io.Copy(io.Discard, nc)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	addr := ln.Addr().String()
	c := dialConn(t, addr, cliCfg)
	mustReserve(t, c)
	resp, err := c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
	require.NoError(t, err)
	require.Equal(t, "ok", readAll(t, resp))
	if c.Err() != nil {
		// Both records came out of one TLS read; the buffered check
		// caught them, which is as good but not what this test is for.
		t.Skip("the second record was read along with the first")
	}
	mustReserve(t, c)
	_, err = c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
	require.ErrorContains(t, err, "h1: unsolicited bytes arrived on idle connection")
	require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
}

func TestLiveIdleConnIsReused(t *testing.T) {
	addr, done := tcpServer(t, nil, func(nc net.Conn, br *bufio.Reader) {
		for range 2 {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			io.WriteString(nc, okOK)
		}
	})
	c := dialConn(t, addr, nil)
	firstExchange(t, c, "http://"+addr+"/")
	firstExchange(t, c, "http://"+addr+"/")
	<-done
}

// A server that reads the request and closes without a word leaves the
// request possibly processed, but with no response at all.
func TestNoResponseIsMarked(t *testing.T) {
	addr, _ := tcpServer(t, nil, func(nc net.Conn, br *bufio.Reader) {
		http.ReadRequest(br)
	})
	c := dialConn(t, addr, nil)
	mustReserve(t, c)
	_, err := c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
	require.ErrorContains(t, err, "h1: connection closed before response (wrote ")
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, retry.NoResponse, retry.ProgressOf(err))
}

// After the first response byte, a failure may follow processing: no mark.
func TestFailureAfterFirstByteIsUnmarked(t *testing.T) {
	addr, _ := tcpServer(t, nil, serveOnce("HTTP/1.1 200 OK\r\nContent-Le", func(net.Conn) {}))
	c := dialConn(t, addr, nil)
	mustReserve(t, c)
	_, err := c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.Equal(t, retry.MaybeProcessed, retry.ProgressOf(err))
}

// wrapped hides a connection's type, exposing it only through NetConn, as
// proxy tunnels and TLS do.
type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

func TestIdleProbeLooksThroughWrappers(t *testing.T) {
	closed := make(chan struct{})
	addr, _ := tcpServer(t, nil, serveOnce(okOK, func(nc net.Conn) {
		nc.Close()
		close(closed)
	}))
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	c := NewConn(wrapped{nc}, nil, ConnOptions{}, nil)
	t.Cleanup(func() { c.Close() })
	firstExchange(t, c, "http://"+addr+"/")
	<-closed
	mustReserve(t, c)
	_, err = c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
	require.ErrorContains(t, err, "h1: server closed idle connection")
	require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
}
