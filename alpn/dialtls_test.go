package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// tlsDialFunc dials addr and returns a *tls.Conn offering protos, its
// handshake done at once or left to its first use; it records each address.
type tlsDialFunc struct {
	t         *testing.T
	protos    []string
	handshake bool
	hide      bool // wrap the conn so that it does not tell its TLS state
	mu        sync.Mutex
	addrs     []string // guarded by mu
}

// opaqueConn hides the TLS connection's ConnectionState method.
type opaqueConn struct{ net.Conn }

func (f *tlsDialFunc) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	f.mu.Lock()
	f.addrs = append(f.addrs, network+" "+addr)
	f.mu.Unlock()
	var nd net.Dialer
	raw, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := defaultCerts(f.t).ClientTLS()
	cfg.ServerName = "localhost"
	cfg.NextProtos = f.protos
	tc := tls.Client(raw, cfg)
	if f.handshake {
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
	}
	if f.hide {
		return opaqueConn{tc}, nil
	}
	return tc, nil
}

func (f *tlsDialFunc) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.addrs...)
}

func TestDialTLSContextProtocolFromALPN(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	for _, tc := range []struct {
		name      string
		protos    []string
		handshake bool
		hide      bool
		want      string
		wantTLS   bool
	}{
		{"h2, handshake left to the dialer", []string{ProtoH2, ProtoHTTP1}, false, false, ProtoH2, true},
		{"h2, handshake done", []string{ProtoH2}, true, false, ProtoH2, true},
		{"http/1.1", []string{ProtoHTTP1}, true, false, ProtoHTTP1, true},
		{"no ALPN", nil, true, false, ProtoHTTP1, true},
		{"state not told: HTTP/1.1", []string{ProtoH2}, true, true, ProtoHTTP1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &tlsDialFunc{t: t, protos: tc.protos, handshake: tc.handshake, hide: tc.hide}
			d := &Dialer{DialTLSContext: f.dial, DialContext: recordingDial(new([]string))}
			c, err := d.Dial(t.Context(), Target{Scheme: "https", Addr: origin.addr()})
			require.NoError(t, err)
			defer c.Close()
			require.Equal(t, tc.want, c.Protocol)
			require.Equal(t, tc.wantTLS, c.TLS != nil)
			if c.TLS != nil {
				require.True(t, c.TLS.HandshakeComplete)
			}
			require.Equal(t, []string{"tcp " + origin.addr()}, f.calls())
			roundTrip(t, c, "hello")
		})
	}
}

// A protocol the Dialer was not asked to speak is an ALPN error, as with
// its own handshake.
func TestDialTLSContextUnofferedProtocol(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	for _, tc := range []struct {
		offered, negotiated []string
	}{
		{[]string{ProtoHTTP1}, []string{ProtoH2}},
		{[]string{ProtoH2}, []string{ProtoHTTP1}},
		{[]string{ProtoH2}, nil},
	} {
		f := &tlsDialFunc{t: t, protos: tc.negotiated, handshake: true}
		d := &Dialer{DialTLSContext: f.dial, HTTPSProtocols: tc.offered}
		_, err := d.Dial(t.Context(), Target{Scheme: "https", Addr: origin.addr()})
		require.ErrorIs(t, err, ErrALPN, "offered %q, negotiated %q", tc.offered, tc.negotiated)
	}
}

func TestDialTLSContextErrors(t *testing.T) {
	d := &Dialer{DialTLSContext: func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("refused by test") }}
	_, err := d.Dial(t.Context(), Target{Scheme: "https", Addr: "example.com:443"})
	require.ErrorContains(t, err, "alpn: tls dial example.com:443: refused by test")
	d.DialTLSContext = func(context.Context, string, string) (net.Conn, error) { return nil, nil }
	_, err = d.Dial(t.Context(), Target{Scheme: "https", Addr: "example.com:443"})
	require.ErrorContains(t, err, "neither a connection nor an error")
}

// As in net/http, DialTLSContext makes the TLS connection to the first
// hop only: http origins use DialContext, an https proxy is reached with
// DialTLSContext, and an origin behind a CONNECT tunnel gets the Dialer's
// own TLS.
func TestDialTLSContextFirstHopOnly(t *testing.T) {
	certs := defaultCerts(t)
	origin := serve(t, echoTLS(certs.ServerTLS(ProtoH2, ProtoHTTP1)))
	cleartext := serve(t, echo)

	f := &tlsDialFunc{t: t, protos: []string{ProtoHTTP1}, handshake: true}
	var tcp throughDial
	d := &Dialer{DialTLSContext: f.dial, DialContext: tcp.dial, TLSConfig: certs.ClientTLS()}
	c, err := d.Dial(t.Context(), Target{Scheme: "http", Addr: cleartext.addr()})
	require.NoError(t, err)
	c.Close()
	require.Empty(t, f.calls(), "cleartext origin")

	// An http proxy: the tunnel is TCP, TLS to the origin is the Dialer's.
	p := startProxy(t, "", nil)
	c, err = d.Dial(t.Context(), Target{Scheme: "https", Addr: origin.addr(), Proxy: p.url("http", nil)})
	require.NoError(t, err)
	require.Equal(t, ProtoH2, c.Protocol, "the Dialer's own offer")
	c.Close()
	require.Empty(t, f.calls(), "origin behind an http proxy")

	// An https proxy is reached through DialTLSContext.
	sp := startProxy(t, "", certs.ServerTLS(ProtoHTTP1))
	c, err = d.Dial(t.Context(), Target{Scheme: "https", Addr: origin.addr(), Proxy: sp.url("https", nil)})
	require.NoError(t, err)
	require.Equal(t, ProtoH2, c.Protocol)
	roundTrip(t, c, "through")
	c.Close()
	require.Equal(t, []string{"tcp " + sp.addr()}, f.calls())
}
