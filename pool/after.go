package pool

import (
	"log/slog"
	"net/url"
)

// after collects work found under Pool.mu that must run once it is
// released: closing conns (their hooks take the lock) and logging (a
// handler may be slow or call back into the pool). Its slices stay nil, and
// cost nothing, on the per-request path.
type after struct {
	close []Conn
	cause error // given to conns that take one (causeCloser) as they close
	logs  []logEvent
}

type logEvent struct {
	msg   string
	key   Key
	conns int
	err   error
}

// logf records a debug event; callers check Pool.log first so that a pool
// without a logger does no work at all.
func (a *after) logf(msg string, key Key, conns int, err error) {
	a.logs = append(a.logs, logEvent{msg: msg, key: key, conns: conns, err: err})
}

func (a *after) run(p *Pool) {
	for _, c := range a.close {
		if cc, ok := c.(causeCloser); ok && a.cause != nil {
			cc.CloseWithError(a.cause)
		} else {
			c.Close()
		}
	}
	for _, e := range a.logs {
		attrs := []any{
			slog.String("origin", e.key.Addr),
			slog.String("scheme", e.key.Scheme),
			slog.Int("conns", e.conns),
		}
		if e.key.Proxy != "" {
			attrs = append(attrs, slog.String("proxy", redactedProxy(e.key.Proxy)))
		}
		if e.err != nil {
			attrs = append(attrs, slog.String("err", e.err.Error()))
		}
		p.log.Debug("pool: "+e.msg, attrs...)
	}
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
