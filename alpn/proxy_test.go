package alpn

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const userPassAuth = "Basic dXNlcjpwYXNz" // user:pass

func TestConnectProxyTunnelsHTTPS(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	p := startProxy(t, userPassAuth, nil)
	c, err := trustingDialer(t).Dial(context.Background(), Target{
		Scheme: "https", Addr: origin.addr(), Proxy: p.url("http", url.UserPassword("user", "pass")),
	})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoH2, c.Protocol)
	require.NotNil(t, c.TLS)
	require.False(t, c.ForwardProxy)
	require.Nil(t, c.ProxyHeader)
	roundTrip(t, c, "through the tunnel")

	req := p.next(t)
	require.Equal(t, http.MethodConnect, req.Method)
	require.Equal(t, origin.addr(), req.RequestURI)
	require.Equal(t, origin.addr(), req.Host)
	require.Equal(t, userPassAuth, req.Header.Get("Proxy-Authorization"))
}

func TestConnectProxyRefusal(t *testing.T) {
	p := startProxy(t, userPassAuth, nil)
	_, err := trustingDialer(t).Dial(context.Background(), Target{
		Scheme: "https", Addr: "example.com:443", Proxy: p.url("http", nil),
	})
	var pe *ProxyConnectError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, http.StatusProxyAuthRequired, pe.StatusCode)
	require.EqualError(t, err, "alpn: proxy "+p.addr()+" refused CONNECT to example.com:443: 407 Proxy Authentication Required")
	require.Empty(t, p.next(t).Header.Get("Proxy-Authorization"))
}

// scriptedProxy returns a DialContext whose connection leads to script, an
// in-memory proxy. net.Pipe delivers each write to a single read, which
// makes "reply and tunnel bytes in one segment" exact.
func scriptedProxy(script func(peer net.Conn, br *bufio.Reader)) func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		client, peer := net.Pipe()
		go func() {
			defer peer.Close()
			br := bufio.NewReader(peer)
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			script(peer, br)
		}()
		return client, nil
	}
}

func TestConnectProxyBytesAfterReplyAreKept(t *testing.T) {
	d := &Dialer{H2C: true, DialContext: scriptedProxy(func(peer net.Conn, _ *bufio.Reader) {
		io.WriteString(peer, "HTTP/1.1 200 Connection established\r\n\r\nEARLY BYTES")
		io.WriteString(peer, " then more")
	})}
	c, err := d.Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: &url.URL{Scheme: "http", Host: "proxy.test:3128"},
	})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoH2C, c.Protocol)
	require.IsType(t, &prefixConn{}, c.Conn)
	got := make([]byte, len("EARLY BYTES then more"))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "EARLY BYTES then more", string(got))
}

func TestConnectProxyOversizedReply(t *testing.T) {
	d := &Dialer{H2C: true, DialContext: scriptedProxy(func(peer net.Conn, _ *bufio.Reader) {
		if _, err := io.WriteString(peer, "HTTP/1.1 200 OK\r\n"); err != nil {
			return
		}
		line := "X-Filler: " + strings.Repeat("a", 1000) + "\r\n"
		for {
			if _, err := io.WriteString(peer, line); err != nil {
				return
			}
		}
	})}
	_, err := d.Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: &url.URL{Scheme: "http", Host: "proxy.test:3128"},
	})
	require.ErrorContains(t, err, "alpn: connect via proxy proxy.test:3128 to example.com:80: reply exceeds 65536 bytes")
}

func TestConnectProxyMalformedReply(t *testing.T) {
	d := &Dialer{H2C: true, DialContext: scriptedProxy(func(peer net.Conn, _ *bufio.Reader) {
		io.WriteString(peer, "SSH-2.0-OpenSSH\r\n\r\n")
	})}
	_, err := d.Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: &url.URL{Scheme: "http", Host: "proxy.test:3128"},
	})
	require.ErrorContains(t, err, "alpn: connect via proxy proxy.test:3128 to example.com:80: read reply: ")
}

func TestConnectProxyTimeout(t *testing.T) {
	p := serve(t, silent)
	d := trustingDialer(t)
	d.DialTimeout = 50 * time.Millisecond
	_, err := d.Dial(context.Background(), Target{
		Scheme: "https", Addr: "example.com:443", Proxy: &url.URL{Scheme: "http", Host: p.addr()},
	})
	requireTimeout(t, err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "alpn: connect via proxy "+p.addr()+" to example.com:443")
}

func TestHTTPSProxy(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2, ProtoHTTP1)))
	p := startProxy(t, userPassAuth, defaultCerts(t).ServerTLS(ProtoHTTP1))
	handshakes := 0
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		TLSHandshakeDone: func(tls.ConnectionState, error) { handshakes++ },
	})
	c, err := trustingDialer(t).Dial(ctx, Target{
		Scheme: "https", Addr: origin.addr(), Proxy: p.url("https", url.UserPassword("user", "pass")),
	})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoH2, c.Protocol)
	require.Equal(t, 2, handshakes, "one handshake with the proxy, one with the origin")
	roundTrip(t, c, "tls in tls")
	require.Equal(t, userPassAuth, p.next(t).Header.Get("Proxy-Authorization"))
}

func TestHTTPSProxyIsVerified(t *testing.T) {
	p := startProxy(t, "", defaultCerts(t).ServerTLS(ProtoHTTP1))
	proxyURL := &url.URL{Scheme: "https", Host: strings.Replace(p.addr(), "127.0.0.1", "localhost", 1)}
	_, err := (&Dialer{}).Dial(context.Background(), Target{
		Scheme: "https", Addr: "example.com:443", Proxy: proxyURL,
	})
	require.ErrorContains(t, err, "alpn: tls handshake with proxy "+proxyURL.Host+": ")
	require.ErrorContains(t, err, "certificate signed by unknown authority")
}

func readForwardedURL(t *testing.T, c *Conn, target string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	require.NoError(t, err)
	for k, v := range c.ProxyHeader {
		req.Header[k] = v
	}
	require.NoError(t, req.WriteProxy(c))
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

func TestForwardProxyForHTTPTargets(t *testing.T) {
	p := startProxy(t, userPassAuth, nil)
	c, err := trustingDialer(t).Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: p.url("http", url.UserPassword("user", "pass")),
	})
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.ForwardProxy)
	require.Equal(t, ProtoHTTP1, c.Protocol)
	require.Nil(t, c.TLS)
	require.Equal(t, http.Header{"Proxy-Authorization": {userPassAuth}}, c.ProxyHeader)

	require.Equal(t, "http://example.com/path?q=1", readForwardedURL(t, c, "http://example.com/path?q=1"))
	req := p.next(t)
	require.Equal(t, http.MethodGet, req.Method)
	require.Equal(t, userPassAuth, req.Header.Get("Proxy-Authorization"))
}

func TestForwardProxyWithoutCredentials(t *testing.T) {
	p := startProxy(t, "", nil)
	c, err := trustingDialer(t).Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: p.url("http", nil),
	})
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.ForwardProxy)
	require.Nil(t, c.ProxyHeader)
	require.Equal(t, "http://example.com/", readForwardedURL(t, c, "http://example.com/"))
}

func TestForwardProxyOverHTTPSProxy(t *testing.T) {
	p := startProxy(t, "", defaultCerts(t).ServerTLS(ProtoHTTP1))
	c, err := trustingDialer(t).Dial(context.Background(), Target{
		Scheme: "http", Addr: "example.com:80", Proxy: p.url("https", nil),
	})
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.ForwardProxy)
	require.Nil(t, c.TLS, "the origin is reached in cleartext")
	require.IsType(t, &tls.Conn{}, c.Conn)
	require.Equal(t, "http://example.com/", readForwardedURL(t, c, "http://example.com/"))
}

func TestH2CThroughProxyUsesTunnel(t *testing.T) {
	origin := serve(t, echo)
	p := startProxy(t, "", nil)
	d := &Dialer{H2C: true}
	c, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: origin.addr(), Proxy: p.url("http", nil)})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, ProtoH2C, c.Protocol)
	require.False(t, c.ForwardProxy)
	require.Nil(t, c.TLS)
	roundTrip(t, c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	require.Equal(t, http.MethodConnect, p.next(t).Method)
}

func TestUnsupportedProxyScheme(t *testing.T) {
	dials := 0
	d := &Dialer{DialContext: countingDial(&dials)}
	proxyURL, err := url.Parse("socks4://user:secret@127.0.0.1:1080")
	require.NoError(t, err)
	_, err = d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: proxyURL})
	require.EqualError(t, err, `alpn: unsupported proxy scheme "socks4" in socks4://user:xxxxx@127.0.0.1:1080 (want http, https, socks5 or socks5h)`)
	require.Zero(t, dials)
}

func TestProxyURLWithoutHost(t *testing.T) {
	dials := 0
	d := &Dialer{DialContext: countingDial(&dials)}
	_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: &url.URL{Scheme: "http"}})
	require.ErrorContains(t, err, "alpn: proxy URL http: has no host")
	require.Zero(t, dials)
}

func TestProxyDefaultPorts(t *testing.T) {
	for scheme, want := range map[string]string{
		"http": "proxy.test:80", "https": "proxy.test:443", "socks5": "proxy.test:1080", "socks5h": "proxy.test:1080",
	} {
		var addrs []string
		d := &Dialer{DialContext: recordingDial(&addrs)}
		_, err := d.Dial(context.Background(), Target{
			Scheme: "https", Addr: "192.0.2.1:443", Proxy: &url.URL{Scheme: scheme, Host: "proxy.test"},
		})
		require.Error(t, err)
		require.Equal(t, []string{want}, addrs)
	}
}
