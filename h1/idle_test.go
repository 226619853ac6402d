package h1

import (
	"bufio"
	"crypto/tls"
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

// Bytes read along with the last response are found even when the
// socket is not probed.
func TestIdleConnWithStrayBytesIsNotReused(t *testing.T) {
	for _, replayable := range []bool{false, true} {
		addr, _ := tcpServer(t, nil, serveOnce(okOK+"JUNK", func(nc net.Conn) {
			io.Copy(io.Discard, nc)
		}))
		c := dialConn(t, addr, nil)
		firstExchange(t, c, "http://"+addr+"/")
		mustReserve(t, c)
		_, err := c.RoundTripWith(newReq(t, "GET", "http://"+addr+"/", nil), RoundTripOptions{Replayable: replayable})
		require.EqualError(t, err, "h1: 4 unsolicited bytes arrived on idle connection", "replayable %v", replayable)
		require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
	}
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

// A replayable request skips the idle check on a connection that began its
// last exchange a moment ago: a dead connection then fails the request
// before any response byte, which its caller replays. Requests that
// cannot be replayed, and connections busy longer ago, are still checked.
func TestIdleCheckSkippedOnlyForRecentReplayableRequests(t *testing.T) {
	for _, tc := range []struct {
		name       string
		replayable bool
		age        time.Duration // since the last exchange began
		checked    bool
	}{
		{"replayable, busy a moment ago", true, 0, false},
		{"replayable, busy long ago", true, probeSkipAge, true},
		{"not replayable", false, 0, true},
	} {
		for name, tlsOn := range map[string]bool{"tcp": false, "tls": true} {
			t.Run(tc.name+" "+name, func(t *testing.T) {
				c, addr := connClosedAfterOneExchange(t, tlsOn)
				c.mu.Lock()
				c.lastStart = time.Now().Add(-tc.age)
				c.mu.Unlock()

				mustReserve(t, c)
				_, err := c.RoundTripWith(newReq(t, "GET", "http://"+addr+"/", nil), RoundTripOptions{Replayable: tc.replayable})
				if tc.checked {
					require.ErrorContains(t, err, "h1: server closed idle connection")
					require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
				} else {
					require.ErrorContains(t, err, "h1: connection closed before response")
					require.Equal(t, retry.NoResponse, retry.ProgressOf(err))
				}
				require.Error(t, c.Err())
				require.Equal(t, 0, c.InFlight())
			})
		}
	}
}

// A connection records when each exchange began, so the next one can tell
// how long the server may have seen it idle.
func TestExchangeStartIsRecorded(t *testing.T) {
	addr, _ := tcpServer(t, nil, func(nc net.Conn, br *bufio.Reader) {
		for range 2 {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			io.WriteString(nc, okOK)
		}
	})
	c := dialConn(t, addr, nil)
	before := time.Now()
	firstExchange(t, c, "http://"+addr+"/")
	c.mu.Lock()
	first := c.lastStart
	c.mu.Unlock()
	require.False(t, first.Before(before))
	firstExchange(t, c, "http://"+addr+"/")
	c.mu.Lock()
	second := c.lastStart
	c.mu.Unlock()
	require.True(t, second.After(first))
}
