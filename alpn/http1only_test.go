package alpn

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// A Target with HTTP1Only gets HTTP/1.1 from a server that prefers h2, and
// a cleartext origin gets no prior-knowledge HTTP/2, whatever the Dialer
// offers other targets.
func TestHTTP1OnlyTarget(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	d := trustingDialer(t)
	d.H2C = true

	c, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	require.NoError(t, err)
	require.Equal(t, ProtoH2, c.Protocol, "the server's choice for an ordinary target")
	require.NoError(t, c.Close())

	c, err = d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr(), HTTP1Only: true})
	require.NoError(t, err)
	require.Equal(t, ProtoHTTP1, c.Protocol)
	require.Equal(t, ProtoHTTP1, c.TLS.NegotiatedProtocol)
	roundTrip(t, c, "ping")
	require.NoError(t, c.Close())

	plain := serve(t, echo)
	c, err = d.Dial(context.Background(), Target{Scheme: "http", Addr: plain.addr()})
	require.NoError(t, err)
	require.Equal(t, ProtoH2C, c.Protocol)
	require.NoError(t, c.Close())
	c, err = d.Dial(context.Background(), Target{Scheme: "http", Addr: plain.addr(), HTTP1Only: true})
	require.NoError(t, err)
	require.Equal(t, ProtoHTTP1, c.Protocol)
	require.NoError(t, c.Close())
}

// Through a proxy, an HTTP1Only cleartext target is a forward-proxy
// connection, not a tunnel for prior-knowledge HTTP/2.
func TestHTTP1OnlyTargetThroughProxy(t *testing.T) {
	p := startProxy(t, "", nil)
	d := trustingDialer(t)
	d.H2C = true
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "origin.example:80", Proxy: p.url("http", nil), HTTP1Only: true})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoHTTP1, c.Protocol)
	require.True(t, c.ForwardProxy)
}
