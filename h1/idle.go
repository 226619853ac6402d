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

// checkIdle reports an error when the connection, used before, died or
// received unsolicited bytes while idle. A server may close an idle
// connection at any time; finding out before writing keeps the request
// unprocessed and so safe to retry elsewhere.
func (c *Conn) checkIdle() error {
	if n := c.br.Buffered(); n > 0 {
		return fmt.Errorf("h1: %d unsolicited bytes arrived on idle connection", n)
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
