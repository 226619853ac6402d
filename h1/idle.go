package h1

import (
	"errors"
	"fmt"
	"io"
	"os"
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

// pastDeadline is a read deadline that has always passed.
var pastDeadline = time.Unix(1, 0)

// checkIdle reports an error when the connection died or received bytes
// while idle. It runs just before a request is written on every connection
// that carried a request before or waited idle in the pool (WaitedIdle): a
// server may close an idle connection at any time, and finding out before
// writing keeps the request unprocessed and so safe to send elsewhere. Bytes nobody asked for (a 408 sent when
// an idle timeout expires, the body of a HEAD answer, a response sent
// twice) must never be read as the answer to the next request, so any
// byte at all ends the connection. Bytes read along with the previous
// response never get here: exchangeDone refuses to keep such a connection.
func (c *Conn) checkIdle() error {
	st, err := c.peek.probe()
	switch st {
	case idleDead:
		if err == nil {
			err = io.EOF
		}
		return fmt.Errorf("h1: server closed idle connection: %w", err)
	case idlePending:
		if !c.peek.tls {
			return errUnsolicited
		}
		return c.probeTLS(tlsProbeWait)
	case idleQuiet:
		if c.peek.tls {
			// Records read from the socket along with the last response
			// may wait inside the TLS layer, where no peek can see them.
			return c.probeTLS(0)
		}
	}
	return nil
}

var errUnsolicited = errors.New("h1: unsolicited bytes arrived on idle connection")

// probeTLS reads through the TLS layer for up to wait: post-handshake
// messages are consumed there, a close_notify shows as EOF, and
// application data is unsolicited. A timeout means the connection is fine;
// a TLS read timeout leaves the connection usable. With wait 0 the
// deadline is already past, so only records the TLS layer holds are read,
// without a syscall.
func (c *Conn) probeTLS(wait time.Duration) error {
	at := pastDeadline
	if wait > 0 {
		at = time.Now().Add(wait)
	}
	if err := c.nc.SetReadDeadline(at); err != nil {
		return err
	}
	_, err := c.br.Peek(1)
	if derr := c.nc.SetReadDeadline(time.Time{}); derr != nil {
		return derr
	}
	switch {
	case err == nil:
		return errUnsolicited
	case isTimeout(err):
		return nil
	default:
		return fmt.Errorf("h1: server closed idle connection: %w", err)
	}
}

// isTimeout reports whether err is a read deadline expiring. It looks for
// os.ErrDeadlineExceeded first, which allocates nothing, as this runs on
// every reuse of a TLS connection; errors.As with an interface target
// would move that target to the heap each time. Other timeouts (from a
// wrapping net.Conn that reports its own) are still found the slow way.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}
