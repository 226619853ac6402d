//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package h1

import (
	"crypto/tls"
	"net"
	"syscall"
)

// idleProbe looks at the socket under a connection without reading from
// it, to learn whether the peer closed it (or wrote to it) while it sat
// idle. A non-blocking MSG_PEEK recv costs one syscall and no goroutine.
// It is used only by the goroutine starting an exchange.
type idleProbe struct {
	rc  syscall.RawConn // nil when the net.Conn exposes no descriptor
	tls bool            // bytes on the socket may be TLS records, not data
	fn  func(fd uintptr) bool
	buf [1]byte
	n   int
	err syscall.Errno
}

// init finds the socket under nc, looking through wrappers that expose
// NetConn (tls.Conn and the like), and notes whether TLS is among them.
func (p *idleProbe) init(nc net.Conn) {
	var sc syscall.Conn
	for range 8 {
		if _, ok := nc.(*tls.Conn); ok {
			p.tls = true
		}
		if s, ok := nc.(syscall.Conn); ok {
			sc = s
			break
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return
		}
		nc = u.NetConn()
	}
	if sc == nil {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	p.rc = rc
	p.fn = p.peekFD // bound once: a method value per probe would allocate
}

func (p *idleProbe) peekFD(fd uintptr) bool {
	p.n, p.err = peekSocket(fd, &p.buf[0])
	return true // never wait for readiness: we want the answer now
}

// probe reports what the socket holds right now.
func (p *idleProbe) probe() (idleState, error) {
	if p.rc == nil {
		return idleUnknown, nil
	}
	if err := p.rc.Read(p.fn); err != nil {
		return idleDead, err
	}
	switch {
	case p.err == syscall.EAGAIN || p.err == syscall.EWOULDBLOCK || p.err == syscall.EINTR:
		return idleQuiet, nil
	case p.err != 0:
		return idleDead, p.err
	case p.n > 0:
		return idlePending, nil
	default:
		return idleDead, nil // orderly shutdown by the peer
	}
}
