package plex

import (
	"context"
	"errors"
	"net/url"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/h2"
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
	ac, err := c.dialer.Dial(ctx, t)
	if err != nil {
		return nil, err
	}
	switch ac.Protocol {
	case alpn.ProtoH2, alpn.ProtoH2C:
		cc, err := h2.NewClientConn(ac.Conn, c.h2cfg, ac.TLS, onChange)
		if err != nil {
			ac.Conn.Close()
			return nil, err
		}
		c.logDial(key, t.Proxy, ac.Protocol)
		return cc, nil
	default:
		c.logDial(key, t.Proxy, ac.Protocol)
		return h1.NewConn(ac.Conn, c.h1cfg, h1.ConnOptions{
			TLS:          ac.TLS,
			ForwardProxy: ac.ForwardProxy,
			ProxyHeader:  ac.ProxyHeader,
		}, onChange), nil
	}
}

func (c *Client) logDial(key pool.Key, proxy *url.URL, proto string) {
	if c.cfg.logger != nil {
		c.cfg.logger.Debug("plex: connected", "origin", key.Addr, "scheme", key.Scheme,
			"proxy", proxy.Redacted(), "protocol", proto)
	}
}
