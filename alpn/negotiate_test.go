package alpn

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestALPNMatrix(t *testing.T) {
	h2h1 := []string{ProtoH2, ProtoHTTP1}
	h2 := []string{ProtoH2}
	h1 := []string{ProtoHTTP1}
	tests := []struct {
		name   string
		server []string
		client []string
		want   string // "" means an *ALPNError
	}{
		{"server h2+h1, client h2+h1", h2h1, h2h1, ProtoH2},
		{"server h2+h1, client h2", h2h1, h2, ProtoH2},
		{"server h2+h1, client h1", h2h1, h1, ProtoHTTP1},
		{"server h1, client h2+h1", h1, h2h1, ProtoHTTP1},
		{"server h1, client h2", h1, h2, ""},
		{"server h1, client h1", h1, h1, ProtoHTTP1},
		{"server none, client h2+h1", nil, h2h1, ProtoHTTP1},
		{"server none, client h2", nil, h2, ""},
		{"server none, client h1", nil, h1, ProtoHTTP1},
		{"server h2, client h1", h2, h1, ProtoHTTP1},
		{"client default offer", h2h1, nil, ProtoH2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(tt.server...)))
			d := trustingDialer(t, tt.client...)
			c, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
			if tt.want == "" {
				var ae *ALPNError
				require.ErrorAs(t, err, &ae)
				require.ErrorIs(t, err, ErrALPN)
				require.Equal(t, tt.client, ae.Offered)
				require.Equal(t, srv.addr(), ae.Addr)
				require.Nil(t, c)
				return
			}
			require.NoError(t, err)
			defer c.Close()
			require.Equal(t, tt.want, c.Protocol)
			require.NotNil(t, c.TLS)
			require.False(t, c.ForwardProxy)
			roundTrip(t, c, "ping")
		})
	}
}

func TestALPNErrorNoSelection(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS()))
	_, err := trustingDialer(t, ProtoH2).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var ae *ALPNError
	require.ErrorAs(t, err, &ae)
	require.Empty(t, ae.Selected)
	require.NoError(t, ae.Err)
	require.EqualError(t, err, `alpn: `+srv.addr()+` selected no protocol; offered ["h2"]`)
}

func TestALPNErrorServerRefusesEveryProtocol(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoHTTP1)))
	_, err := trustingDialer(t, ProtoH2).Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	var ae *ALPNError
	require.ErrorAs(t, err, &ae)
	require.Error(t, ae.Err)
	require.Contains(t, err.Error(), "refused every offered protocol")
}

func TestSelectProtocol(t *testing.T) {
	tests := []struct {
		negotiated string
		offered    []string
		want       string
		ok         bool
	}{
		{"h2", []string{"h2", "http/1.1"}, ProtoH2, true},
		{"http/1.1", []string{"h2", "http/1.1"}, ProtoHTTP1, true},
		{"", []string{"h2", "http/1.1"}, ProtoHTTP1, true},
		{"", []string{"h2"}, "", false},
		{"http/1.1", []string{"h2"}, "", false},
		{"h2", []string{"http/1.1"}, "", false},
		{"h3", []string{"h2", "http/1.1"}, "", false},
	}
	for _, tt := range tests {
		got, ok := selectProtocol(tt.negotiated, tt.offered)
		require.Equal(t, tt.ok, ok, "%q of %q", tt.negotiated, tt.offered)
		require.Equal(t, tt.want, got, "%q of %q", tt.negotiated, tt.offered)
	}
}

func TestUnsupportedOfferIsRefusedBeforeDialing(t *testing.T) {
	for _, offer := range [][]string{{"h3"}, {"h2", "spdy/3"}, {"h2", "h2"}} {
		dials := 0
		d := &Dialer{HTTPSProtocols: offer, DialContext: countingDial(&dials)}
		_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "127.0.0.1:1"})
		require.Error(t, err)
		require.True(t, strings.HasPrefix(err.Error(), "alpn: "), err.Error())
		require.Zero(t, dials, "dialed with offer %q", offer)
	}
}

func TestTLSConfigNextProtosIsReplaced(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	cfg := defaultCerts(t).ClientTLS()
	cfg.NextProtos = []string{"spdy/3"}
	d := &Dialer{TLSConfig: cfg, HTTPSProtocols: []string{ProtoHTTP1}}
	c, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoHTTP1, c.Protocol)
	require.Equal(t, []string{"spdy/3"}, cfg.NextProtos, "the user's config must not be modified")
}

// countingDial counts calls and refuses every dial.
func countingDial(n *int) func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		*n++
		return nil, errors.New("dial refused by test")
	}
}
