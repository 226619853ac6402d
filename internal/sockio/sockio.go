// Package sockio reads and writes a TCP socket without the scheduler's
// system-call bookkeeping, for connections that exchange small messages
// one at a time.
//
// Every read and write on a net.TCPConn goes through the runtime's syscall
// entry and exit. Those prepare for a call that might block: they let the
// processor be handed to another thread, and the first one after the
// process went idle wakes the runtime's monitor thread, which then sleeps
// again a few microseconds later. A client making one request at a time
// goes idle between every request and its response, so each request pays
// for that monitor's wake-up and sleep on top of its own wait in the
// network poller: about two thirds of a context switch more per request,
// and on a virtual machine a context switch is what a small request costs
// most. Go's sockets are non-blocking, so a read or write on one returns at
// once (EAGAIN when it would block, and then the caller waits in the
// poller as usual): such a call does not need the preparation, and making
// it as a raw system call leaves the processor and the monitor alone.
//
// Only *net.TCPConn sockets are handled, on Linux; anything else is used
// as it is. Errors, deadlines and io.EOF look as they do on the
// net.TCPConn itself.
package sockio

import "net"

// Conn is a net.Conn whose Read and Write go straight to the socket;
// every other method is the wrapped connection's. Like net.TCPConn it
// allows one Read and one Write at a time to run concurrently; unlike it,
// two concurrent Reads (or Writes) are not allowed. crypto/tls and the
// HTTP/2 reader and writer never make them.
type Conn struct {
	net.Conn
	r *Reader
	w *Writer
}

// Wrap returns nc with its reads and writes made directly on the socket,
// or nc itself when it is not a socket this package handles.
func Wrap(nc net.Conn) net.Conn {
	r, w := NewReader(nc), NewWriter(nc)
	if r == nil || w == nil {
		return nc
	}
	return &Conn{Conn: nc, r: r, w: w}
}

// Read reads from the socket as the wrapped conn's Read would.
func (c *Conn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Write writes all of p to the socket as the wrapped conn's Write would.
func (c *Conn) Write(p []byte) (int, error) { return c.w.Write(p) }

// NetConn returns the wrapped connection, so that code looking for the
// socket under a connection (through crypto/tls's NetConn) finds it.
func (c *Conn) NetConn() net.Conn { return c.Conn }
