package alpn

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/plexhttp/plex/internal/testcert"
	"github.com/stretchr/testify/require"
)

func defaultCerts(t testing.TB) *testcert.Certs {
	t.Helper()
	c, err := testcert.Default()
	require.NoError(t, err)
	return c
}

// trustingDialer trusts the default test CA and offers protos.
func trustingDialer(t testing.TB, protos ...string) *Dialer {
	return &Dialer{TLSConfig: defaultCerts(t).ClientTLS(), HTTPSProtocols: protos}
}

// server is a loopback TCP server whose connections are handled by handle.
// Cleanup closes the listener and every connection and waits for handlers.
type server struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{} // guarded by mu
	closed bool                  // guarded by mu
}

func serve(t testing.TB, handle func(net.Conn)) *server {
	t.Helper()
	return serveOn(t, "127.0.0.1:0", handle)
}

func serveOn(t testing.TB, addr string, handle func(net.Conn)) *server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	s := &server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c) {
				c.Close()
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

func (s *server) addr() string { return s.ln.Addr().String() }

func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *server) close() {
	s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// echoTLS completes a TLS handshake with cfg and echoes what it reads.
func echoTLS(cfg *tls.Config) func(net.Conn) {
	return func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		io.Copy(tc, tc)
	}
}

// echo echoes what it reads.
func echo(c net.Conn) { io.Copy(c, c) }

// silent reads and never answers.
func silent(c net.Conn) { io.Copy(io.Discard, c) }

// roundTrip writes msg on c and requires it echoed back.
func roundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	_, err := io.WriteString(c, msg)
	require.NoError(t, err)
	buf := make([]byte, len(msg))
	_, err = io.ReadFull(c, buf)
	require.NoError(t, err)
	require.Equal(t, msg, string(buf))
}

// proxy is a small HTTP proxy: CONNECT tunnels to the requested address and
// absolute-form requests are answered with the URL the proxy received.
type proxy struct {
	*server
	wantAuth string             // required Proxy-Authorization; "" accepts anything
	reqs     chan *http.Request // every request head the proxy read
}

func startProxy(t testing.TB, wantAuth string, tlsCfg *tls.Config) *proxy {
	p := &proxy{wantAuth: wantAuth, reqs: make(chan *http.Request, 16)}
	p.server = serve(t, func(c net.Conn) {
		if tlsCfg != nil {
			c = tls.Server(c, tlsCfg)
		}
		p.handle(c)
	})
	return p
}

func (p *proxy) url(scheme string, user *url.Userinfo) *url.URL {
	return &url.URL{Scheme: scheme, Host: p.addr(), User: user}
}

func (p *proxy) handle(c net.Conn) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.reqs <- req
	if p.wantAuth != "" && req.Header.Get("Proxy-Authorization") != p.wantAuth {
		io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
		return
	}
	if req.Method != http.MethodConnect {
		body := req.URL.String()
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		return
	}
	up, err := net.Dial("tcp", req.Host)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(up, br)
		up.Close()
		c.Close()
	}()
	io.Copy(c, up)
	up.Close()
	c.Close()
	<-done
}

// next returns the next request head the proxy read.
func (p *proxy) next(t testing.TB) *http.Request {
	t.Helper()
	select {
	case r := <-p.reqs:
		return r
	default:
		require.FailNow(t, "proxy saw no request")
		return nil
	}
}
