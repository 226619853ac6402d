package plex

import (
	"context"
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"net/url"
	"time"

	"github.com/plexhttp/plex/pool"
)

// dialEvents reports one dial to the listener. A nil *dialEvents, the
// Client without a listener, does nothing.
type dialEvents struct {
	l      *EventListener
	ctx    context.Context // the dial's, with the TLS hooks added
	id     ConnID
	origin Origin
	start  time.Time
}

func (c *Client) startDialEvents(ctx context.Context, key pool.Key, proxy *url.URL) *dialEvents {
	d := &dialEvents{
		l:      c.cfg.events,
		ctx:    ctx,
		id:     pool.DialConnID(ctx),
		origin: Origin{Scheme: key.Scheme, Addr: key.Addr},
		start:  time.Now(),
	}
	if d.l.DialStart != nil {
		ev := DialStart{Conn: d.id, Origin: d.origin}
		if proxy != nil {
			ev.Proxy = proxy.Host
		}
		d.l.DialStart(ev)
	}
	if d.l.TLSDone != nil {
		// The hooks compose with the request's own httptrace hooks, which
		// still run.
		var tlsStart time.Time
		d.ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			TLSHandshakeStart: func() { tlsStart = time.Now() },
			TLSHandshakeDone: func(st tls.ConnectionState, err error) {
				ev := TLSDone{Conn: d.id, Origin: d.origin, Err: err}
				if err == nil {
					ev.Version, ev.ALPN, ev.Resumed = st.Version, st.NegotiatedProtocol, st.DidResume
				}
				if !tlsStart.IsZero() {
					ev.Duration = time.Since(tlsStart)
				}
				d.l.TLSDone(ev)
			},
		})
	}
	return d
}

func (d *dialEvents) done(err error) {
	if d != nil && d.l.DialDone != nil {
		d.l.DialDone(DialDone{Conn: d.id, Origin: d.origin, Duration: time.Since(d.start), Err: err})
	}
}

func (d *dialEvents) opened(proto string, nc net.Conn) {
	if d.l.ConnOpened != nil {
		d.l.ConnOpened(ConnOpened{Conn: d.id, Origin: d.origin, Protocol: proto, LocalAddr: nc.LocalAddr(), RemoteAddr: nc.RemoteAddr()})
	}
}
