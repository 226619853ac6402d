package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptrace"
	"strings"

	"github.com/plexhttp/plex/internal/sockio"
)

// handshakeOrigin runs TLS with the origin over raw (a direct TCP connection
// or a proxy tunnel) and maps the ALPN result to a protocol. raw is closed on
// failure.
func (d *Dialer) handshakeOrigin(ctx context.Context, raw net.Conn, t Target, host string, offered []string) (*Conn, error) {
	cfg := d.tlsConfig(offered)
	switch {
	case t.ServerName != "":
		cfg.ServerName = t.ServerName
	case cfg.ServerName == "":
		cfg.ServerName = host
	}
	tc, state, err := d.handshake(ctx, raw, cfg, "tls handshake with", t.Addr)
	if err != nil {
		if isNoApplicationProtocol(err) || isUnadvertisedProtocol(err) {
			return nil, &ALPNError{Offered: offered, Addr: t.Addr, Err: err}
		}
		if cve := certificateError(err); cve != nil {
			return nil, cve
		}
		return nil, err
	}
	proto, ok := selectProtocol(state.NegotiatedProtocol, offered)
	if !ok {
		tc.Close()
		return nil, &ALPNError{Offered: offered, Selected: state.NegotiatedProtocol, Addr: t.Addr}
	}
	return &Conn{Conn: tc, Protocol: proto, TLS: state}, nil
}

// tlsConfig clones the user's configuration for one handshake. The clone is
// what makes concurrent dials with different server names safe.
func (d *Dialer) tlsConfig(nextProtos []string) *tls.Config {
	cfg := d.TLSConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.NextProtos = nextProtos
	return cfg
}

// handshake runs a TLS client handshake on raw with cfg; see
// runHandshake. raw is closed on failure. A TCP socket beneath TLS is read
// and written directly (internal/sockio says why); the tls.Conn's NetConn
// then gives that wrapper, whose NetConn gives the socket.
func (d *Dialer) handshake(ctx context.Context, raw net.Conn, cfg *tls.Config, step, addr string) (*tls.Conn, *tls.ConnectionState, error) {
	tc := tls.Client(sockio.Wrap(raw), cfg)
	state, err := d.runHandshake(ctx, tc, step, addr)
	if err != nil {
		return nil, nil, err
	}
	return tc, &state, nil
}

// runHandshake runs tc's handshake, bounded by TLSHandshakeTimeout, firing
// the httptrace TLS hooks as net/http does. tc is closed on failure. step
// and addr name the handshake in errors.
func (d *Dialer) runHandshake(ctx context.Context, tc *tls.Conn, step, addr string) (tls.ConnectionState, error) {
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	timeout := orDefault(d.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		tc.Close()
		if hctx.Err() != nil && ctx.Err() == nil {
			// Our own bound ran out, not the caller's context: say so
			// without the context's error, so that the caller's
			// errors.Is(err, context.DeadlineExceeded) stays about their
			// own deadline.
			err = &handshakeTimeoutError{after: timeout}
		}
		if trace != nil && trace.TLSHandshakeDone != nil {
			trace.TLSHandshakeDone(tls.ConnectionState{}, err)
		}
		return tls.ConnectionState{}, stepError(ctx, step, addr, err)
	}
	state := tc.ConnectionState()
	if trace != nil && trace.TLSHandshakeDone != nil {
		trace.TLSHandshakeDone(state, nil)
	}
	return state, nil
}

// selectProtocol maps the server's ALPN choice to a protocol we offered. An
// empty choice (no ALPN from the server) means HTTP/1.1, which is only usable
// if we were willing to speak it. crypto/tls already rejects a choice we did
// not offer; the check here keeps that true whatever the TLS layer does.
func selectProtocol(negotiated string, offered []string) (string, bool) {
	want := negotiated
	if want == "" {
		want = ProtoHTTP1
	}
	if want != ProtoH2 && want != ProtoHTTP1 {
		return "", false
	}
	for _, p := range offered {
		if p == want {
			return want, true
		}
	}
	return "", false
}

// isUnadvertisedProtocol reports whether crypto/tls refused the handshake
// because the server picked a protocol we did not offer (Apache answers an
// offer of "h2" alone with "http/1.1"). crypto/tls gives this as a plain
// error, so it too is recognised by its fixed text.
func isUnadvertisedProtocol(err error) bool {
	return err != nil && strings.Contains(err.Error(), "tls: server selected unadvertised ALPN protocol")
}

// isNoApplicationProtocol reports whether the server aborted the handshake
// with the TLS alert no_application_protocol (RFC 7301, Section 3.2): it
// shares none of the offered protocols. crypto/tls reports a received alert
// as a *net.OpError "remote error" around an unexported alert type, so the
// alert is recognised by its fixed text.
func isNoApplicationProtocol(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil &&
		oe.Err.Error() == "tls: no application protocol"
}
