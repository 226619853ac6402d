package h1

import (
	"errors"
	"log/slog"

	"github.com/plexhttp/plex/internal/event"
)

// CloseReason says why the connection stopped taking requests, for the
// pool's ConnClosed event.
func (c *Conn) CloseReason() (event.CloseReason, uint32) {
	c.mu.Lock()
	err := c.err
	c.mu.Unlock()
	switch {
	case err == nil:
		return event.CloseError, 0
	case errors.Is(err, errClosed), errors.Is(err, errNotReusable):
		// errNotReusable: the caller closed a response body before its
		// end, or the exchange left the framing in doubt.
		return event.CloseClient, 0
	case errors.Is(err, errRespClose), event.PeerEnded(err):
		return event.ClosePeerClose, 0
	case errors.Is(err, errReqClose):
		return event.CloseKeepAlivesOff, 0
	case errors.Is(err, errUpgradedConn):
		return event.CloseProtocolSwitch, 0
	}
	return event.CloseError, 0
}

// logClosed reports the close with the keys the pool and h2 use; it runs
// with no lock held.
func (c *Conn) logClosed(l *slog.Logger, reason error) {
	attrs := []any{slog.String("protocol", event.ProtoHTTP1), slog.String("remote", c.nc.RemoteAddr().String())}
	if c.opts.Origin.Addr != "" {
		attrs = append(attrs, slog.String("origin", c.opts.Origin.String()))
	}
	if c.opts.ConnID != 0 {
		attrs = append(attrs, slog.Uint64("conn", uint64(c.opts.ConnID)))
	}
	attrs = append(attrs, slog.Any("reason", reason))
	l.Debug("h1: connection closed", attrs...)
}
