package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
)

// connectionStater is a connection that can tell its TLS state, as
// *tls.Conn does.
type connectionStater interface {
	ConnectionState() tls.ConnectionState
}

// dialTLSHop opens a connection to addr with DialTLSContext and returns it
// with its TLS state, nil when the connection does not tell one. A
// *tls.Conn whose handshake the function left undone has it done here,
// bounded by TLSHandshakeTimeout, so that its ALPN result is known. The
// whole step is bounded by DialTimeout plus TLSHandshakeTimeout.
func (d *Dialer) dialTLSHop(ctx context.Context, addr string) (net.Conn, *tls.ConnectionState, error) {
	limit := orDefault(d.DialTimeout, DefaultDialTimeout) + orDefault(d.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	c, err := d.DialTLSContext(ctx, "tcp", addr)
	if err != nil {
		if c != nil {
			c.Close()
		}
		// As net/http, hand on the errors callers type-assert as they are.
		switch e := err.(type) {
		case *net.OpError:
			return nil, nil, withContextError(ctx, e)
		case *tls.CertificateVerificationError:
			if unsaidContextError(ctx, e) == nil {
				return nil, nil, e
			}
		}
		return nil, nil, stepError(ctx, "tls dial", addr, err)
	}
	if c == nil {
		return nil, nil, stepError(ctx, "tls dial", addr, errors.New("DialTLSContext returned neither a connection nor an error"))
	}
	if tc, ok := c.(*tls.Conn); ok && !tc.ConnectionState().HandshakeComplete {
		// A handshake the function left to the first use runs here, as
		// net/http runs it.
		if _, err := d.runHandshake(ctx, tc, "tls handshake with", addr); err != nil {
			if cve := certificateError(err); cve != nil {
				return nil, nil, cve
			}
			return nil, nil, err
		}
	}
	cs, ok := c.(connectionStater)
	if !ok {
		return c, nil, nil
	}
	state := cs.ConnectionState()
	return c, &state, nil
}

// dialTLSOrigin reaches an https origin directly through DialTLSContext and
// maps what the connection negotiated to a protocol: the ALPN result of a
// connection that tells its TLS state, else HTTP/1.1.
func (d *Dialer) dialTLSOrigin(ctx context.Context, t Target, offered []string) (*Conn, error) {
	c, state, err := d.dialTLSHop(ctx, t.Addr)
	if err != nil {
		return nil, err
	}
	negotiated := ""
	if state != nil {
		negotiated = state.NegotiatedProtocol
	}
	proto, ok := selectProtocol(negotiated, offered)
	if !ok {
		c.Close()
		return nil, &ALPNError{Offered: offered, Selected: negotiated, Addr: t.Addr}
	}
	return &Conn{Conn: c, Protocol: proto, TLS: state}, nil
}

// dialProxyHop opens the connection to a proxy: TCP, with TLS on top for an
// https proxy, made by DialTLSContext when it is set.
func (d *Dialer) dialProxyHop(ctx context.Context, scheme, addr, host string) (net.Conn, error) {
	if scheme == "https" && d.DialTLSContext != nil {
		c, _, err := d.dialTLSHop(ctx, addr)
		return c, err
	}
	conn, err := d.dialTCP(ctx, addr)
	if err != nil {
		return nil, err
	}
	if scheme != "https" {
		return conn, nil
	}
	cfg := d.tlsConfig(proxyHTTPSProtocols)
	cfg.ServerName = host
	tc, _, err := d.handshake(ctx, conn, cfg, "tls handshake with proxy", addr)
	if err != nil {
		return nil, err
	}
	return tc, nil
}
