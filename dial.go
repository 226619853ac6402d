package plex

import (
	"context"
	"errors"
	"net/url"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/event"
	"github.com/plexhttp/plex/pool"
)

// Both connection kinds must satisfy the pool's view of a connection.
var (
	_ pool.Conn = (*h1.Conn)(nil)
	_ pool.Conn = (*h2.ClientConn)(nil)
)

// dial opens a connection for key and wraps it for the protocol it
// negotiated. This is the one place where the ALPN result picks the
// connection type.
func (c *Client) dial(ctx context.Context, key pool.Key, onChange func()) (pool.Conn, error) {
	// A key that may not multiplex is dialed for HTTP/1.1 alone, whatever
	// the dialer offers others: that is how an upgrade request, routed to
	// such a key, gets an HTTP/1.1 connection from an h2 origin.
	t := alpn.Target{Scheme: key.Scheme, Addr: key.Addr, HTTP1Only: !key.MayMultiplex}
	if key.Proxy != "" {
		pu, err := url.Parse(key.Proxy)
		if err != nil {
			// The URL came from url.URL.String, so this cannot happen; the
			// error would quote it, password and all.
			return nil, errors.New("plex: proxy URL does not parse")
		}
		t.Proxy = pu
	}
	var d *dialEvents
	if c.cfg.events != nil {
		d = c.startDialEvents(ctx, key, t.Proxy)
		ctx = d.ctx
	}
	if c.addrs != nil && t.Proxy == nil {
		dd := &directDial{addr: key.Addr, conn: pool.DialConnID(ctx), origin: Origin{Scheme: key.Scheme, Addr: key.Addr}, peers: pool.DialPeers(ctx)}
		ctx = context.WithValue(ctx, directDialKey{}, dd)
	}
	ac, err := c.dialer.Dial(ctx, t)
	if err != nil {
		d.done(err)
		return nil, err
	}
	origin := Origin{Scheme: key.Scheme, Addr: key.Addr}
	var id ConnID
	if d != nil {
		id = d.id
	}
	var pc pool.Conn
	switch ac.Protocol {
	case alpn.ProtoH2, alpn.ProtoH2C:
		cfg := c.h2cfg
		if d != nil || c.cfg.logger != nil {
			// Per-connection tags for events and log lines; a Client with
			// neither shares one Config among all its connections.
			cp := *cfg
			cp.Events, cp.ConnID, cp.Origin = c.cfg.events, id, origin
			cfg = &cp
		}
		cc, err := h2.NewClientConn(ac.Conn, cfg, ac.TLS, onChange)
		if err != nil {
			ac.Conn.Close()
			d.done(err)
			return nil, err
		}
		pc = cc
	default:
		pc = h1.NewConn(ac.Conn, c.h1cfg, h1.ConnOptions{
			TLS:          ac.TLS,
			ForwardProxy: ac.ForwardProxy,
			ProxyHeader:  ac.ProxyHeader,
			ConnID:       id,
			Origin:       origin,
		}, onChange)
	}
	proto := protocolName(pc.Multiplexed())
	c.logDial(key, t.Proxy, id, proto)
	if d != nil {
		d.done(nil)
		d.opened(proto, ac.Conn)
	}
	return pc, nil
}

func protocolName(mux bool) string {
	if mux {
		return event.ProtoHTTP2
	}
	return event.ProtoHTTP1
}

func (c *Client) logDial(key pool.Key, proxy *url.URL, id ConnID, proto string) {
	if c.cfg.logger != nil {
		c.cfg.logger.Debug("plex: connected", "origin", key.Scheme+"://"+key.Addr, "conn", uint64(id),
			"proxy", proxy.Redacted(), "protocol", proto)
	}
}
