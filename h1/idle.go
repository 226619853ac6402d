package h1

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// idleState is what an idle connection's socket showed when a new exchange
// was about to start.
type idleState uint8

const (
	idleUnknown idleState = iota // no way to look
	idleQuiet                    // nothing to read: alive as far as we can tell
	idlePending                  // bytes arrived while idle
	idleDead                     // closed or reset by the peer
)

// tlsProbeWait bounds the read that tells TLS records sent while idle
// (session tickets, which are harmless, or a close_notify) apart.
const tlsProbeWait = 2 * time.Millisecond

// probeSkipAge is how recently a connection must have begun its last
// exchange for a replayable request to go out without probing the socket.
//
// The probe costs a syscall per request, and it only matters for what
// happens while a server considers the connection idle. A server's idle
// time began after our last request reached it, so it is shorter than the
// time since we began writing that request. What the probe guards against:
//   - The server closed the connection (FIN, RST or TLS close_notify). Then
//     the request fails before any response byte, marked NoResponse on a
//     used connection, and the caller's promise to replay it holds: it goes
//     out on another connection, as it would have after the check.
//   - Bytes sent while idle, such as a 408 or other response when an idle
//     timeout expires: without the check they would be read as the answer
//     to the next request. Servers send these after idle timeouts of
//     seconds (keep-alive timeouts of 1s and more), not within a fraction
//     of one, so a connection busy this recently cannot have them.
//
// Bytes that arrived with the previous response are found in the read
// buffer, which is looked at every time; extra bytes sent a moment after a
// response race with the probe itself, which could never catch them all.
// Requests that cannot be replayed are always probed.
const probeSkipAge = 100 * time.Millisecond

// checkIdle reports an error when the connection, used before, died or
// received unsolicited bytes while idle. A server may close an idle
// connection at any time; finding out before writing keeps the request
// unprocessed and so safe to retry elsewhere. With probe false it looks
// only at what was already read, which costs nothing.
func (c *Conn) checkIdle(probe bool) error {
	if n := c.br.Buffered(); n > 0 {
		return fmt.Errorf("h1: %d unsolicited bytes arrived on idle connection", n)
	}
	if !probe {
		return nil
	}
	st, err := c.peek.probe()
	switch st {
	case idleDead:
		if err == nil {
			err = io.EOF
		}
		return fmt.Errorf("h1: server closed idle connection: %w", err)
	case idlePending:
		if !c.peek.tls {
			return errors.New("h1: unsolicited bytes arrived on idle connection")
		}
		return c.probeTLS()
	}
	return nil
}

// probeTLS reads through the TLS layer for a moment: post-handshake messages
// are consumed there, a close_notify shows as EOF, and application data is
// a protocol error. A timeout means the connection is fine; a TLS read
// timeout leaves the connection usable.
func (c *Conn) probeTLS() error {
	if err := c.nc.SetReadDeadline(time.Now().Add(tlsProbeWait)); err != nil {
		return err
	}
	_, err := c.br.Peek(1)
	if derr := c.nc.SetReadDeadline(time.Time{}); derr != nil {
		return derr
	}
	var ne interface{ Timeout() bool }
	switch {
	case err == nil:
		return errors.New("h1: unsolicited bytes arrived on idle connection")
	case errors.As(err, &ne) && ne.Timeout():
		return nil
	default:
		return fmt.Errorf("h1: server closed idle connection: %w", err)
	}
}
