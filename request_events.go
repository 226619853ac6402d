package plex

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/plexhttp/plex/internal/event"
	"github.com/plexhttp/plex/pool"
)

// requestEvents reports one RoundTrip to the listener. Its zero value, used
// when the Client has none, does nothing: each method starts with the nil
// check, so the request path pays that and no more.
type requestEvents struct {
	l        *EventListener
	req      *http.Request
	origin   Origin
	begin    time.Time
	conn     ConnID
	gotAt    time.Time // when the last attempt got its conn
	proto    string
	attempts int
}

func (e *requestEvents) start(l *EventListener, req *http.Request, key pool.Key) {
	*e = requestEvents{l: l, req: req, origin: Origin{Scheme: key.Scheme, Addr: key.Addr}, begin: time.Now()}
}

func (e *requestEvents) acquired(info pool.GotInfo, mux bool) {
	if e.l == nil {
		return
	}
	e.attempts++
	e.conn, e.gotAt, e.proto = info.Conn, time.Now(), protocolName(mux)
	if e.l.ConnAcquired != nil {
		ev := ConnAcquired{Conn: info.Conn, Origin: e.origin, Reused: info.Reused, Coalesced: info.Coalesced}
		if info.WasIdle {
			ev.IdleTime = e.gotAt.Sub(info.IdleSince)
		}
		e.l.ConnAcquired(ev)
	}
}

// released reports the slot of a failed attempt given back.
func (e *requestEvents) released() {
	if e.l != nil && e.l.ConnReleased != nil {
		e.l.ConnReleased(ConnReleased{Conn: e.conn, Origin: e.origin, Held: time.Since(e.gotAt)})
	}
}

func (e *requestEvents) retry(attempt int, wait time.Duration, err error) {
	if e.l != nil && e.l.RetryDecided != nil {
		e.l.RetryDecided(RetryDecided{Origin: e.origin, Method: e.req.Method, Attempt: attempt, Wait: wait, Reason: err.Error()})
	}
}

// finish runs as RoundTrip returns: it reports the request done and, on
// success, arranges for ConnReleased once the body is read or closed.
func (e *requestEvents) finish(resp **http.Response, err *error) {
	if e.l.RequestDone != nil {
		ev := RequestDone{Origin: e.origin, Method: e.req.Method, Protocol: e.proto, Attempts: e.attempts, Duration: time.Since(e.begin), Err: *err}
		if ev.Method == "" {
			ev.Method = http.MethodGet
		}
		if *resp != nil {
			ev.StatusCode = (*resp).StatusCode
		}
		e.l.RequestDone(ev)
	}
	r := *resp
	if r == nil || e.l.ConnReleased == nil {
		return
	}
	rel := ConnReleased{Conn: e.conn, Origin: e.origin}
	switch {
	case r.StatusCode == http.StatusSwitchingProtocols:
		// The body is the connection now, and the pool lets go of it; its
		// type (a ReadWriteCloser) must stay as it is.
		rel.Held = time.Since(e.gotAt)
		e.l.ConnReleased(rel)
	case r.Body == nil || r.Body == http.NoBody:
		rel.Held = time.Since(e.gotAt)
		e.l.ConnReleased(rel)
	default:
		r.Body = &releasingBody{ReadCloser: r.Body, l: e.l, ev: rel, acquired: e.gotAt}
	}
}

// releasingBody fires ConnReleased once, at EOF or Close, whichever comes
// first: the moment the connection's slot frees.
type releasingBody struct {
	io.ReadCloser
	l        *EventListener
	ev       event.ConnReleased
	acquired time.Time
	fired    atomic.Bool
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.fire()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.fire()
	return err
}

func (b *releasingBody) fire() {
	if !b.fired.Swap(true) {
		b.ev.Held = time.Since(b.acquired)
		b.l.ConnReleased(b.ev)
	}
}
