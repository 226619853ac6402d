package alpn

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCleartextProtocol(t *testing.T) {
	srv := serve(t, echo)
	for h2c, want := range map[bool]string{false: ProtoHTTP1, true: ProtoH2C} {
		c, err := (&Dialer{H2C: h2c}).Dial(context.Background(), Target{Scheme: "http", Addr: srv.addr()})
		require.NoError(t, err)
		require.Equal(t, want, c.Protocol)
		require.Nil(t, c.TLS)
		require.False(t, c.ForwardProxy)
		roundTrip(t, c, "ping")
		c.Close()
	}
}

func TestNilDialerUsesDefaults(t *testing.T) {
	srv := serve(t, echo)
	var d *Dialer
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: srv.addr()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoHTTP1, c.Protocol)
}

func TestInvalidTargets(t *testing.T) {
	tests := []struct {
		target Target
		want   string
	}{
		{Target{Scheme: "ftp", Addr: "example.com:21"}, `alpn: unsupported scheme "ftp" for example.com:21 (want http or https)`},
		{Target{Scheme: "", Addr: "example.com:80"}, `alpn: unsupported scheme "" for example.com:80 (want http or https)`},
		{Target{Scheme: "https", Addr: "example.com"}, `alpn: invalid address "example.com": address example.com: missing port in address`},
		{Target{Scheme: "https", Addr: ":443"}, `alpn: invalid address ":443": host and port are both required`},
		{Target{Scheme: "https", Addr: "example.com:"}, `alpn: invalid address "example.com:": host and port are both required`},
		{Target{Scheme: "https", Addr: "evil.com\r\nX-Injected: 1:443"}, `alpn: invalid address "evil.com\r\nX-Injected: 1:443": control character or space`},
		{Target{Scheme: "https", Addr: "evil.com\r\n:443"}, `alpn: invalid address "evil.com\r\n:443": control character or space`},
	}
	for _, tt := range tests {
		dials := 0
		d := &Dialer{DialContext: countingDial(&dials)}
		_, err := d.Dial(context.Background(), tt.target)
		require.EqualError(t, err, tt.want)
		require.Zero(t, dials)
	}
}
