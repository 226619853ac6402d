package h1

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// switchProtocols hands the connection over after a 101 Switching
// Protocols response: it stops watching the request's context, lifts our
// write bound, leaves the pool (see Detached) and returns the response body
// through which the new protocol is spoken.
func (c *Conn) switchProtocols() *upgradedBody {
	c.mu.Lock()
	stop := c.stopCtx
	c.stopCtx = nil
	if c.err == nil {
		c.err = errUpgradedConn
	}
	c.detached = true
	reqWritten := c.writeDone
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	// The connection is the application's now: no bound of ours may
	// fail its writes later.
	_ = c.nc.SetWriteDeadline(time.Time{})
	u := &upgradedBody{c: c, reqWritten: reqWritten, closing: make(chan struct{})}
	// The pool forgets the connection now, before the caller sees the
	// response, so that closing the client cannot close it.
	c.onChange()
	return u
}

// Detached reports whether the connection switched protocols: it then
// belongs to the holder of the 101 response's body, and the pool must
// neither close nor count it (pool.Detacher).
func (c *Conn) Detached() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.detached
}

// upgradedBody is the body of a 101 Switching Protocols response: the
// connection itself, readable and writable, as net/http gives it (an
// io.ReadWriteCloser). Bytes the server sent right after the 101 head are
// read first. The connection is never reused; closing the body closes it.
//
// A request body still being sent when the 101 arrived is sent in full
// before any byte written through the body, so the two never interleave;
// Write waits for it (or for Close).
type upgradedBody struct {
	c          *Conn
	reqWritten chan struct{} // closed when the request body writer ends; nil if there was none
	closeOnce  sync.Once
	closing    chan struct{} // closed by Close
}

func (u *upgradedBody) Read(p []byte) (int, error) { return u.c.br.Read(p) }

func (u *upgradedBody) Write(p []byte) (int, error) {
	if u.reqWritten != nil {
		select {
		case <-u.reqWritten:
		case <-u.closing:
			return 0, fmt.Errorf("h1: write to switched connection: %w", net.ErrClosed)
		}
	}
	return u.c.nc.Write(p)
}

// CloseWrite shuts down the writing side of the connection when it can (a
// TCP or TLS connection), telling the peer no more bytes come while its
// answers can still be read. httputil.ReverseProxy uses it.
func (u *upgradedBody) CloseWrite() error {
	if cw, ok := u.c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("h1: CloseWrite: %T cannot close its writing side alone", u.c.nc)
}

// Close closes the connection; later calls do nothing.
func (u *upgradedBody) Close() error {
	u.closeOnce.Do(func() {
		close(u.closing)
		u.c.closeNet(errUpgradedConn)
		u.c.exchangeDone(false)
	})
	return nil
}
