package alpn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProxyConnectHeaderIsSent(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	p := startProxy(t, "", nil)
	d := trustingDialer(t)
	d.ProxyConnectHeader = http.Header{
		"X-Team":              {"payments"},
		"Proxy-Authorization": {"Bearer from-header"},
		"Host":                {"evil.test"},
	}
	c, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: origin.addr(), Proxy: p.url("http", nil)})
	require.NoError(t, err)
	defer c.Close()
	roundTrip(t, c, "tunnel")
	req := p.next(t)
	require.Equal(t, "payments", req.Header.Get("X-Team"))
	require.Equal(t, "Bearer from-header", req.Header.Get("Proxy-Authorization"))
	require.Equal(t, origin.addr(), req.Host, "Host names the target, whatever the header says")
	require.Len(t, d.ProxyConnectHeader, 3, "the caller's header is not changed")
}

func TestProxyURLCredentialsReplaceHeaderAuthorization(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoHTTP1)))
	p := startProxy(t, userPassAuth, nil)
	d := trustingDialer(t)
	d.ProxyConnectHeader = http.Header{"Proxy-Authorization": {"Bearer ignored"}, "X-Team": {"a"}}
	c, err := d.Dial(context.Background(), Target{
		Scheme: "https", Addr: origin.addr(), Proxy: p.url("http", url.UserPassword("user", "pass")),
	})
	require.NoError(t, err)
	defer c.Close()
	req := p.next(t)
	require.Equal(t, []string{userPassAuth}, req.Header.Values("Proxy-Authorization"))
	require.Equal(t, "a", req.Header.Get("X-Team"))
	require.Equal(t, []string{"Bearer ignored"}, d.ProxyConnectHeader["Proxy-Authorization"])
}

func TestGetProxyConnectHeaderTakesPrecedence(t *testing.T) {
	origin := serve(t, echo)
	p := startProxy(t, "", nil)
	proxyURL := p.url("http", nil)
	type call struct {
		proxy, target string
		ctxValue      any
	}
	var calls []call
	type ctxKey struct{}
	d := &Dialer{
		H2C:                true,
		ProxyConnectHeader: http.Header{"X-Static": {"1"}},
		GetProxyConnectHeader: func(ctx context.Context, pu *url.URL, target string) (http.Header, error) {
			calls = append(calls, call{pu.String(), target, ctx.Value(ctxKey{})})
			return http.Header{"X-Dynamic": {"2"}}, nil
		},
	}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request value")
	c, err := d.Dial(ctx, Target{Scheme: "http", Addr: origin.addr(), Proxy: proxyURL})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, []call{{proxyURL.String(), origin.addr(), "request value"}}, calls)
	req := p.next(t)
	require.Equal(t, "2", req.Header.Get("X-Dynamic"))
	require.Empty(t, req.Header.Values("X-Static"))
}

func TestGetProxyConnectHeaderNilSendsNoField(t *testing.T) {
	origin := serve(t, echo)
	p := startProxy(t, "", nil)
	d := &Dialer{
		H2C:                   true,
		ProxyConnectHeader:    http.Header{"X-Static": {"1"}},
		GetProxyConnectHeader: func(context.Context, *url.URL, string) (http.Header, error) { return nil, nil },
	}
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: origin.addr(), Proxy: p.url("http", nil)})
	require.NoError(t, err)
	defer c.Close()
	require.Empty(t, p.next(t).Header)
}

func TestGetProxyConnectHeaderErrorDialsNothing(t *testing.T) {
	dials := 0
	boom := errors.New("no ticket")
	d := &Dialer{
		DialContext: countingDial(&dials),
		GetProxyConnectHeader: func(context.Context, *url.URL, string) (http.Header, error) {
			return nil, boom
		},
	}
	_, err := d.Dial(context.Background(), Target{
		Scheme: "https", Addr: "example.com:443", Proxy: &url.URL{Scheme: "http", Host: "proxy.test:3128", User: url.UserPassword("u", "secret")},
	})
	require.ErrorIs(t, err, boom)
	require.EqualError(t, err, "alpn: GetProxyConnectHeader for example.com:443 via http://u:xxxxx@proxy.test:3128: no ticket")
	require.Zero(t, dials)
}

func TestInvalidProxyConnectHeader(t *testing.T) {
	for name, h := range map[string]http.Header{
		"CRLF in value": {"X-A": {"ok\r\nX-Smuggled: 1"}},
		"LF in value":   {"X-A": {"a\nb"}},
		"bad name":      {"X A": {"v"}},
		"empty name":    {"": {"v"}},
	} {
		t.Run(name, func(t *testing.T) {
			require.ErrorContains(t, (&Dialer{ProxyConnectHeader: h}).Validate(), "alpn: ProxyConnectHeader: invalid")

			dials := 0
			d := &Dialer{
				DialContext:           countingDial(&dials),
				GetProxyConnectHeader: func(context.Context, *url.URL, string) (http.Header, error) { return h, nil },
			}
			_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
			require.ErrorContains(t, err, "alpn: GetProxyConnectHeader for example.com:443: invalid")
			require.Zero(t, dials)
		})
	}
	require.NoError(t, (&Dialer{ProxyConnectHeader: http.Header{"X-A": {"tab\tis fine"}}}).Validate())
}

func TestRefusalCarriesHeaderAndBody(t *testing.T) {
	d := &Dialer{DialContext: scriptedProxy(func(peer net.Conn, _ *bufio.Reader) {
		io.WriteString(peer, "HTTP/1.1 407 Proxy Authentication Required\r\n"+
			"Proxy-Authenticate: Negotiate\r\nProxy-Authenticate: Digest realm=\"corp\", nonce=\"n1\"\r\n"+
			"Content-Length: 12\r\n\r\naccess denied")
	})}
	_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
	var pe *ProxyConnectError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusProxyAuthRequired, pe.StatusCode)
	require.Equal(t, []string{"Negotiate", `Digest realm="corp", nonce="n1"`}, pe.Header.Values("Proxy-Authenticate"))
	require.Equal(t, "access denie", string(pe.Body), "the body ends where Content-Length says")
}

func TestRefusalBodyIsBounded(t *testing.T) {
	d := &Dialer{DialContext: scriptedProxy(func(peer net.Conn, _ *bufio.Reader) {
		io.WriteString(peer, "HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n")
		chunk := "1000\r\n" + string(make([]byte, 0x1000)) + "\r\n"
		for {
			if _, err := io.WriteString(peer, chunk); err != nil {
				return
			}
		}
	})}
	_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
	var pe *ProxyConnectError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusForbidden, pe.StatusCode)
	require.Len(t, pe.Body, MaxProxyErrorBody)
}

// A refusal whose body runs until the proxy closes must not hold the dial
// while the proxy keeps the connection open.
func TestRefusalBodyUntilCloseDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialContext: scriptedProxy(func(peer net.Conn, br *bufio.Reader) {
			io.WriteString(peer, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\ngo away")
			io.Copy(io.Discard, br)
		})}
		start := time.Now()
		_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
		var pe *ProxyConnectError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, "go away", string(pe.Body))
		require.Zero(t, time.Since(start))
	})
}

func TestOnProxyConnectResponse(t *testing.T) {
	origin := serve(t, echo)
	p := startProxy(t, userPassAuth, nil)
	type seen struct {
		proxy, target, auth string
		status              int
		body                string
	}
	var got []seen
	d := &Dialer{H2C: true, OnProxyConnectResponse: func(_ context.Context, pu *url.URL, req *http.Request, res *http.Response) error {
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		got = append(got, seen{pu.Host, req.Host, req.Header.Get("Proxy-Authorization"), res.StatusCode, string(body)})
		return nil
	}}
	_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: origin.addr(), Proxy: p.url("http", nil)})
	require.ErrorAs(t, err, new(*ProxyConnectError))
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: origin.addr(), Proxy: p.url("http", url.UserPassword("user", "pass"))})
	require.NoError(t, err)
	defer c.Close()
	roundTrip(t, c, "after the hook")
	require.Equal(t, []seen{
		{p.addr(), origin.addr(), "", http.StatusProxyAuthRequired, ""},
		{p.addr(), origin.addr(), userPassAuth, http.StatusOK, ""},
	}, got)
}

func TestOnProxyConnectResponseErrorFailsTheDial(t *testing.T) {
	origin := serve(t, echo)
	p := startProxy(t, "", nil)
	veto := errors.New("proxy not trusted")
	for _, status := range []string{"ok", "refused"} {
		t.Run(status, func(t *testing.T) {
			d := &Dialer{H2C: true, OnProxyConnectResponse: func(context.Context, *url.URL, *http.Request, *http.Response) error {
				return veto
			}}
			target := origin.addr()
			if status == "refused" {
				target = "127.0.0.1:1" // the test proxy answers 502
			}
			c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: target, Proxy: p.url("http", nil)})
			require.Nil(t, c)
			require.ErrorIs(t, err, veto)
			require.NotErrorAs(t, err, new(*ProxyConnectError))
			require.EqualError(t, err, "alpn: OnProxyConnectResponse for "+target+" via http://"+p.addr()+": proxy not trusted")
		})
	}
}

func TestProxyConnectHeaderNotSentToForwardProxy(t *testing.T) {
	p := startProxy(t, "", nil)
	called := false
	d := &Dialer{
		ProxyConnectHeader: http.Header{"X-Connect-Only": {"1"}},
		GetProxyConnectHeader: func(context.Context, *url.URL, string) (http.Header, error) {
			called = true
			return nil, nil
		},
	}
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80", Proxy: p.url("http", nil)})
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.ForwardProxy)
	require.Nil(t, c.ProxyHeader)
	require.False(t, called, "no CONNECT, no CONNECT header")
}
