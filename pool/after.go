package pool

import (
	"context"
	"log/slog"
	"net/url"
	"strconv"

	"github.com/plexhttp/plex/internal/event"
)

// after collects work found under Pool.mu that must run once it is
// released: closing conns (their hooks take the lock), events and logging
// (a listener or handler may be slow or call back into the pool). Its
// slices stay nil, and cost nothing, on the per-request path.
type after struct {
	close  []Conn
	cause  error // given to conns that take one (causeCloser) as they close
	logs   []logEvent
	closed []closedConn
}

type logEvent struct {
	level slog.Level
	msg   string
	key   Key
	conn  uint64
	conns int
	err   error
}

// logf records a log line; callers check Pool.log first so that a pool
// without a logger does no work at all.
func (a *after) logf(level slog.Level, msg string, key Key, conn uint64, conns int, err error) {
	a.logs = append(a.logs, logEvent{level: level, msg: msg, key: key, conn: conn, conns: conns, err: err})
}

func (a *after) run(p *Pool) {
	for _, c := range a.close {
		if cc, ok := c.(causeCloser); ok && a.cause != nil {
			cc.CloseWithError(a.cause)
		} else {
			c.Close()
		}
	}
	for _, cc := range a.closed {
		if p.ev != nil && p.ev.ConnClosed != nil {
			p.ev.ConnClosed(cc.ev)
		}
		if p.log != nil {
			p.logClose(cc)
		}
	}
	for _, e := range a.logs {
		attrs := []slog.Attr{
			slog.String("origin", e.key.Scheme+"://"+e.key.Addr),
			slog.Int("conns", e.conns),
		}
		if e.conn != 0 {
			attrs = append(attrs, slog.Uint64("conn", e.conn))
		}
		if e.key.Proxy != "" {
			attrs = append(attrs, slog.String("proxy", redactedProxy(e.key.Proxy)))
		}
		if e.err != nil {
			attrs = append(attrs, slog.String("err", e.err.Error()))
		}
		p.log.LogAttrs(context.Background(), e.level, "pool: "+e.msg, attrs...)
	}
}

// logClose reports a closed conn at Info: why connections go is what an
// operator looks for first.
func (p *Pool) logClose(cc closedConn) {
	ev := cc.ev
	attrs := []slog.Attr{
		slog.String("origin", ev.Origin.String()),
		slog.Uint64("conn", uint64(ev.Conn)),
		slog.String("protocol", ev.Protocol),
		slog.String("reason", ev.Reason.String()),
		slog.Uint64("requests", ev.Requests),
		slog.Int("conns", cc.conns),
	}
	if ev.Reason == event.ClosePeerGoAway {
		attrs = append(attrs, slog.String("code", "0x"+strconv.FormatUint(uint64(ev.Code), 16)))
	}
	if ev.Age > 0 {
		attrs = append(attrs, slog.Duration("age", ev.Age))
	}
	p.log.LogAttrs(context.Background(), slog.LevelInfo, "pool: conn closed", attrs...)
}

// redactedProxy hides the password a proxy URL may carry: logs are read
// by more people than the configuration is.
func redactedProxy(proxy string) string {
	u, err := url.Parse(proxy)
	if err != nil {
		return "(invalid proxy URL)"
	}
	return u.Redacted()
}
