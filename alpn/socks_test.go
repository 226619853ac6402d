package alpn

import (
	"context"
	"io"
	"net"
	"net/netip"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/socks5test"
)

// startSOCKS starts a SOCKS5 server that leads every tunnel to origin,
// whatever it was asked for, so tests do not depend on how names resolve.
func startSOCKS(t *testing.T, origin string, user, pass string) *socks5test.Server {
	t.Helper()
	s := &socks5test.Server{User: user, Password: pass}
	if origin != "" {
		s.Dial = func(ctx context.Context, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", origin)
		}
	}
	require.NoError(t, s.Start())
	t.Cleanup(s.Close)
	return s
}

func socksURL(scheme string, s *socks5test.Server, user *url.Userinfo) *url.URL {
	return &url.URL{Scheme: scheme, Host: s.Addr(), User: user}
}

// localhostFirst is the address the system resolver gives first for
// localhost: what a socks5:// proxy must be asked for.
func localhostFirst(t *testing.T) netip.Addr {
	ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", "localhost")
	require.NoError(t, err)
	require.NotEmpty(t, ips)
	require.True(t, ips[0].IsLoopback())
	return ips[0].Unmap()
}

func TestSOCKS5TargetNameOrAddress(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	_, port, _ := net.SplitHostPort(origin.addr())
	first := localhostFirst(t)
	atypIP := byte(socks5test.ATypIPv4)
	if first.Is6() {
		atypIP = socks5test.ATypIPv6
	}
	for _, tc := range []struct {
		scheme, addr, want string
		atyp               byte
	}{
		{"socks5h", "localhost:" + port, "localhost:" + port, socks5test.ATypDomain},
		{"socks5", "localhost:" + port, net.JoinHostPort(first.String(), port), atypIP},
		{"socks5", origin.addr(), origin.addr(), socks5test.ATypIPv4},
		{"socks5h", origin.addr(), origin.addr(), socks5test.ATypIPv4},
	} {
		t.Run(tc.scheme+" "+tc.addr, func(t *testing.T) {
			s := startSOCKS(t, origin.addr(), "", "")
			c, err := trustingDialer(t).Dial(context.Background(), Target{
				Scheme: "https", Addr: tc.addr, Proxy: socksURL(tc.scheme, s, nil),
			})
			require.NoError(t, err)
			defer c.Close()
			require.Equal(t, ProtoH2, c.Protocol)
			require.NotNil(t, c.TLS, "TLS with the origin runs through the tunnel")
			require.False(t, c.ForwardProxy)
			roundTrip(t, c, "through socks")
			require.Equal(t, []socks5test.Request{{Target: tc.want, AddrType: tc.atyp}}, s.Requests())
		})
	}
}

func TestSOCKS5HTTPOriginIsTunnelled(t *testing.T) {
	origin := serve(t, echo)
	for _, h2c := range []bool{false, true} {
		s := startSOCKS(t, "", "", "")
		c, err := (&Dialer{H2C: h2c}).Dial(context.Background(), Target{
			Scheme: "http", Addr: origin.addr(), Proxy: socksURL("socks5h", s, nil),
		})
		require.NoError(t, err)
		want := ProtoHTTP1
		if h2c {
			want = ProtoH2C
		}
		require.Equal(t, want, c.Protocol)
		require.False(t, c.ForwardProxy, "a SOCKS proxy forwards bytes, not requests")
		require.Nil(t, c.ProxyHeader)
		roundTrip(t, c, "GET / HTTP/1.1\r\n\r\n")
		c.Close()
		require.Equal(t, []socks5test.Request{{Target: origin.addr(), AddrType: socks5test.ATypIPv4}}, s.Requests())
	}
}

func TestSOCKS5Credentials(t *testing.T) {
	origin := serve(t, echo)
	s := startSOCKS(t, "", "user", "pa:ss")
	c, err := (&Dialer{}).Dial(context.Background(), Target{
		Scheme: "http", Addr: origin.addr(), Proxy: socksURL("socks5", s, url.UserPassword("user", "pa:ss")),
	})
	require.NoError(t, err)
	defer c.Close()
	roundTrip(t, c, "authenticated")
	require.Equal(t, []socks5test.Request{{Target: origin.addr(), AddrType: socks5test.ATypIPv4, User: "user", Password: "pa:ss"}}, s.Requests())

	for name, user := range map[string]*url.Userinfo{"wrong": url.UserPassword("user", "nope"), "none": nil} {
		_, err = (&Dialer{}).Dial(context.Background(), Target{
			Scheme: "http", Addr: origin.addr(), Proxy: socksURL("socks5", s, user),
		})
		require.ErrorContains(t, err, "alpn: socks5 connect via proxy "+s.Addr()+" to "+origin.addr()+": ", name)
	}
	require.Len(t, s.Requests(), 1, "refused clients get no tunnel")
}

func TestSOCKS5UnreachableTarget(t *testing.T) {
	s := startSOCKS(t, "", "", "")
	_, err := (&Dialer{}).Dial(context.Background(), Target{
		Scheme: "https", Addr: "127.0.0.1:1", Proxy: socksURL("socks5", s, nil),
	})
	require.EqualError(t, err, "alpn: socks5 connect via proxy "+s.Addr()+" to 127.0.0.1:1: unknown error host unreachable")
}

func TestSOCKS5BoundedByDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialContext: scriptedSilence, DialTimeout: 5 * time.Second}
		start := time.Now()
		_, err := d.Dial(context.Background(), Target{
			Scheme: "https", Addr: "192.0.2.1:443", Proxy: &url.URL{Scheme: "socks5", Host: "proxy.test:1080"},
		})
		requireTimeout(t, err)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Contains(t, err.Error(), "alpn: socks5 connect via proxy proxy.test:1080 to 192.0.2.1:443")
		require.Equal(t, 5*time.Second, time.Since(start))
	})
}

// scriptedSilence dials an in-memory peer that reads and never answers.
func scriptedSilence(context.Context, string, string) (net.Conn, error) {
	client, peer := net.Pipe()
	go func() {
		defer peer.Close()
		io.Copy(io.Discard, peer)
	}()
	return client, nil
}
