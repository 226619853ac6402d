package integration

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawServer is an HTTP/1.1 server scripted per connection, for behaviour
// real servers will not show on demand (closing at a chosen moment).
type rawServer struct {
	ln   net.Listener
	URL  string
	wg   sync.WaitGroup
	mu   sync.Mutex
	seen []string // "METHOD /path" of every request read, in order
}

// serveConn handles one accepted connection; n counts connections from 0.
type serveConn func(s *rawServer, c net.Conn, br *bufio.Reader, n int)

func startRaw(t *testing.T, fn serveConn) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rawServer{ln: ln, URL: "http://" + ln.Addr().String()}
	var conns []net.Conn
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			conns = append(conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				fn(s, c, bufio.NewReader(c), n)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// read reads one request and its body, recording it; nil at EOF.
func (s *rawServer) read(br *bufio.Reader) *http.Request {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil
	}
	io.Copy(io.Discard, req.Body)
	s.mu.Lock()
	s.seen = append(s.seen, req.Method+" "+req.URL.Path)
	s.mu.Unlock()
	return req
}

func (s *rawServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
