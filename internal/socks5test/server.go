// Package socks5test is a minimal SOCKS5 server (RFC 1928, with RFC 1929
// username/password authentication) for tests: it serves CONNECT only,
// records the target each client asked for, and splices the connection to
// wherever Dial leads.
package socks5test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Address types of a SOCKS5 request (RFC 1928 section 5).
const (
	ATypIPv4   = 1
	ATypDomain = 3
	ATypIPv6   = 4
)

// Request is what one client asked for.
type Request struct {
	// Target is the requested host:port as sent: an IP address or a name.
	Target string
	// AddrType is ATypIPv4, ATypDomain or ATypIPv6.
	AddrType byte
	// User and Password are the RFC 1929 credentials; empty without.
	User, Password string
}

// Server is a SOCKS5 server on loopback. Its exported fields must be set
// before the first client connects.
type Server struct {
	// User and Password, when User is set, are required (RFC 1929); a
	// client offering no credentials, or wrong ones, is refused.
	User, Password string
	// Dial opens the connection to the target a client asked for; nil
	// dials the target itself. Tests that must not depend on how a name
	// resolves point every target at one origin.
	Dial func(ctx context.Context, target string) (net.Conn, error)

	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	reqs []Request         // guarded by mu
	live map[net.Conn]bool // guarded by mu
	done bool              // guarded by mu
}

// Start listens on 127.0.0.1 and serves until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("socks5test: listen: %w", err)
	}
	s.ln = ln
	s.live = map[net.Conn]bool{}
	s.wg.Add(1)
	go s.accept()
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Requests returns the requests served so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Close stops the server, closes every connection and waits for them.
func (s *Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	s.done = true
	for c := range s.live {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.done {
			return false
		}
		s.live[c] = true
	} else {
		delete(s.live, c)
	}
	return true
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.track(c, true) {
			c.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(c, false)
			defer c.Close()
			s.serve(c)
		}()
	}
}

// Reply codes (RFC 1928 section 6).
const (
	replySucceeded   = 0
	replyHostUnreach = 4
	replyCmdUnsupp   = 7
)

func (s *Server) serve(c net.Conn) {
	// The handshake must not hang a test whose client went quiet.
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var req Request
	if err := s.greet(c, br, &req); err != nil {
		return
	}
	var head [4]byte
	if _, err := io.ReadFull(br, head[:]); err != nil || head[0] != 5 {
		return
	}
	target, err := readAddr(br, head[3])
	if err != nil {
		return
	}
	if head[1] != 1 { // CONNECT
		reply(c, replyCmdUnsupp)
		return
	}
	req.Target, req.AddrType = target, head[3]
	s.mu.Lock()
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()

	dial := s.Dial
	if dial == nil {
		dial = func(ctx context.Context, target string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", target)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	up, err := dial(ctx, target)
	cancel()
	if err != nil {
		reply(c, replyHostUnreach)
		return
	}
	if !s.track(up, true) {
		up.Close()
		return
	}
	defer s.track(up, false)
	defer up.Close()
	if reply(c, replySucceeded) != nil {
		return
	}
	c.SetDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(up, br)
		up.Close()
	}()
	io.Copy(c, up)
	c.Close()
	<-done
}

// greet negotiates the authentication method and checks the credentials.
func (s *Server) greet(c net.Conn, br *bufio.Reader, req *Request) error {
	var head [2]byte
	if _, err := io.ReadFull(br, head[:]); err != nil {
		return err
	}
	if head[0] != 5 {
		return errors.New("not SOCKS5")
	}
	methods := make([]byte, head[1])
	if _, err := io.ReadFull(br, methods); err != nil {
		return err
	}
	want := byte(0) // no authentication
	if s.User != "" {
		want = 2 // username/password
	}
	offered := false
	for _, m := range methods {
		offered = offered || m == want
	}
	if !offered {
		c.Write([]byte{5, 0xff})
		return errors.New("no acceptable method")
	}
	if _, err := c.Write([]byte{5, want}); err != nil {
		return err
	}
	if want == 0 {
		return nil
	}
	// RFC 1929: VER=1 ULEN UNAME PLEN PASSWD.
	ver, err := br.ReadByte()
	if err != nil || ver != 1 {
		return errors.New("bad auth version")
	}
	user, err := readShort(br)
	if err != nil {
		return err
	}
	pass, err := readShort(br)
	if err != nil {
		return err
	}
	req.User, req.Password = user, pass
	if user != s.User || pass != s.Password {
		c.Write([]byte{1, 1})
		return errors.New("wrong credentials")
	}
	_, err = c.Write([]byte{1, 0})
	return err
}

func readShort(br *bufio.Reader) (string, error) {
	n, err := br.ReadByte()
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	_, err = io.ReadFull(br, b)
	return string(b), err
}

func readAddr(br *bufio.Reader, atyp byte) (string, error) {
	var host string
	switch atyp {
	case ATypIPv4, ATypIPv6:
		n := 4
		if atyp == ATypIPv6 {
			n = 16
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			return "", err
		}
		host = net.IP(b).String()
	case ATypDomain:
		name, err := readShort(br)
		if err != nil {
			return "", err
		}
		host = name
	default:
		return "", fmt.Errorf("address type %d", atyp)
	}
	var port [2]byte
	if _, err := io.ReadFull(br, port[:]); err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:])))), nil
}

// reply sends a reply with a zero bound address.
func reply(c net.Conn, code byte) error {
	_, err := c.Write([]byte{5, code, 0, ATypIPv4, 0, 0, 0, 0, 0, 0})
	return err
}
