package faults

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
)

// Handler serves one accepted connection; n counts connections from 0. The
// connection is closed when it returns. An error it returns is kept for
// Err: handlers run on their own goroutines and must not fail the test.
type Handler func(c net.Conn, n int) error

// Server is a loopback TCP listener that runs a Handler per connection, for
// faults only a real socket shows: a TCP reset (see ResetConn), a half-close
// seen by the kernel, TLS handshakes.
//
// mu guards conns, errs and closed. wg counts the accept loop and every
// handler; Close waits for all of them, so no goroutine outlives it.
type Server struct {
	ln  net.Listener
	h   Handler
	wg  sync.WaitGroup
	tls *tls.Config // nil for cleartext; read-only

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open accepted connections, guarded by mu
	count  int                   // connections accepted, guarded by mu
	errs   []error               // handler failures, guarded by mu
	closed bool                  // guarded by mu
}

// Listen starts a cleartext Server on 127.0.0.1.
func Listen(h Handler) (*Server, error) { return ListenTLS(nil, h) }

// ListenTLS starts a Server on 127.0.0.1 that runs the TLS handshake with
// cfg before calling h (cleartext when cfg is nil). A failed handshake is
// not a handler error: tests of TLS failures expect it.
func ListenTLS(cfg *tls.Config, h Handler) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faults: listening: %w", err)
	}
	s := &Server{ln: ln, h: h, tls: cfg, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		n := s.count
		s.count++
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c, n)
	}
}

func (s *Server) serve(c net.Conn, n int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	conn := c
	if s.tls != nil {
		tc := tls.Server(c, s.tls)
		if err := tc.Handshake(); err != nil {
			return
		}
		conn = tc
	}
	if err := s.h(conn, n); err != nil && !errors.Is(err, net.ErrClosed) {
		s.mu.Lock()
		s.errs = append(s.errs, fmt.Errorf("faults: connection %d: %w", n, err))
		s.mu.Unlock()
	}
}

// Addr is the listener's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is "http://" (or "https://" with TLS) followed by Addr.
func (s *Server) URL() string {
	if s.tls != nil {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Accepted is how many connections were accepted.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Err joins the errors handlers returned so far.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// Close stops accepting, closes every open connection and waits for the
// handlers to return. It returns Err.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
	return s.Err()
}

// ResetConn closes c with a TCP RST instead of a FIN, as a crashed or
// overloaded server does, so the peer's next read or write fails with
// ECONNRESET rather than seeing EOF. c must be (or wrap, via NetConn) a
// *net.TCPConn; otherwise it is just closed.
func ResetConn(c net.Conn) error {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetLinger(0); err != nil {
			return fmt.Errorf("faults: setting linger for a reset: %w", err)
		}
	}
	return c.Close()
}

// HalfClose shuts the write side of c: the peer reads EOF while c can still
// read. c must support CloseWrite (TCP, TLS and memconn connections do).
func HalfClose(c net.Conn) error {
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("faults: %T cannot half-close", c)
	}
	return cw.CloseWrite()
}
