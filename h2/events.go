package h2

import (
	"errors"
	"log/slog"

	"github.com/plexhttp/plex/internal/event"
)

// connLogger tags every line of one connection with the keys the pool and
// the client use too, so an operator can follow a connection across layers.
func connLogger(l *slog.Logger, c *Config) *slog.Logger {
	attrs := []any{slog.String("protocol", event.ProtoHTTP2)}
	if c.Origin.Addr != "" {
		attrs = append(attrs, slog.String("origin", c.Origin.String()))
	}
	if c.ConnID != 0 {
		attrs = append(attrs, slog.Uint64("conn", uint64(c.ConnID)))
	}
	return l.With(attrs...)
}

// noteGoAway reports a GOAWAY from the peer; called by the reader with no
// lock held.
func (cc *ClientConn) noteGoAway(ga GoAwayError) {
	// A graceful GOAWAY (NO_ERROR) is how servers reload; anything else is
	// worth an operator's attention too. Either way it is rare.
	cc.log.Info("h2: GOAWAY received", "last_stream", ga.LastStreamID, "code", ga.Code.String(), "debug", ga.DebugData)
	if l := cc.cfg.Events; l != nil && l.GoAwayReceived != nil {
		l.GoAwayReceived(event.GoAwayReceived{
			Conn: cc.cfg.ConnID, Origin: cc.cfg.Origin,
			LastStreamID: ga.LastStreamID, Code: uint32(ga.Code), Debug: ga.DebugData,
		})
	}
}

// noteReset reports a RST_STREAM sent or received; called with no lock held.
func (cc *ClientConn) noteReset(id uint32, code ErrCode, sent bool) {
	cc.log.Debug("h2: stream reset", "stream", id, "code", code.String(), "sent", sent)
	if l := cc.cfg.Events; l != nil && l.StreamReset != nil {
		l.StreamReset(event.StreamReset{Conn: cc.cfg.ConnID, Origin: cc.cfg.Origin, StreamID: id, Code: uint32(code), Sent: sent})
	}
}

// CloseReason says why the connection stopped taking requests, for the
// pool's ConnClosed event: the peer's GOAWAY (with its code), the peer
// closing the socket, our Close, the one-request mode of DisableKeepAlives,
// or an error.
func (cc *ClientConn) CloseReason() (event.CloseReason, uint32) {
	cc.mu.Lock()
	err, ga := cc.err, cc.goAway
	cc.mu.Unlock()
	if ga != nil {
		return event.ClosePeerGoAway, uint32(ga.Code)
	}
	switch {
	case err == nil:
		return event.CloseError, 0
	case errors.Is(err, errOneRequest):
		return event.CloseKeepAlivesOff, 0
	case errors.Is(err, ErrClosed), errors.Is(err, ErrShutdown):
		return event.CloseClient, 0
	case event.PeerEnded(err):
		// The rule HTTP/1.1 follows too; a socket closed under the
		// connection by anyone else is an error.
		return event.ClosePeerClose, 0
	}
	return event.CloseError, 0
}
