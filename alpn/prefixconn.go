package alpn

import (
	"net"
	"sync"
	"sync/atomic"
)

// prefixConn is a net.Conn whose first reads return bytes already taken off
// the wire (what a proxy sent after its CONNECT reply), then read through.
//
// mu guards prefix; drained is set once prefix is empty, after which reads go
// straight to the connection without taking mu.
type prefixConn struct {
	net.Conn
	drained atomic.Bool
	mu      sync.Mutex
	prefix  []byte // guarded by mu
}

func newPrefixConn(c net.Conn, prefix []byte) *prefixConn {
	return &prefixConn{Conn: c, prefix: append([]byte(nil), prefix...)}
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.drained.Load() {
		return c.Conn.Read(p)
	}
	c.mu.Lock()
	if len(c.prefix) == 0 {
		c.mu.Unlock()
		return c.Conn.Read(p)
	}
	n := copy(p, c.prefix)
	c.prefix = c.prefix[n:]
	if len(c.prefix) == 0 {
		c.prefix = nil
		c.drained.Store(true)
	}
	c.mu.Unlock()
	return n, nil
}

// NetConn returns the underlying connection, as tls.Conn does.
func (c *prefixConn) NetConn() net.Conn { return c.Conn }
