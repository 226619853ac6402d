package plex

import (
	"context"
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"

	"github.com/plexhttp/plex/alpn"
)

// proxyConfig holds the proxy options; it is part of config.
type proxyConfig struct {
	// proxy chooses each request's proxy; nil means none. The default
	// reads the environment once, in New.
	proxy             func(*http.Request) (*url.URL, error)
	connectHeader     http.Header
	getConnectHeader  func(ctx context.Context, proxyURL *url.URL, target string) (http.Header, error)
	onConnectResponse func(ctx context.Context, proxyURL *url.URL, connectReq *http.Request, connectRes *http.Response) error
}

// WithProxy chooses a proxy per request; a nil URL means a direct
// connection, and WithProxy(nil) turns proxies off altogether.
//
// The default uses the proxies the environment names, as
// http.DefaultTransport does: HTTPS_PROXY for https requests, HTTP_PROXY for
// http requests, never for hosts NO_PROXY matches nor for localhost and
// loopback addresses (lower-case names too; see
// golang.org/x/net/http/httpproxy for the details). Unlike
// http.ProxyFromEnvironment, which reads the environment once per process,
// each New reads it anew: a Client sees the environment of the moment it
// was built, and keeps it. ALL_PROXY is not read, as net/http does not.
//
// Proxy URL schemes: http:// and https:// proxies forward http:// requests
// and tunnel https:// (and h2c) requests with CONNECT; socks5:// and
// socks5h:// proxies tunnel every request, socks5:// giving the proxy an IP
// address resolved here and socks5h:// giving it the host name to resolve.
// User information in the URL becomes Basic Proxy-Authorization for HTTP
// proxies and the RFC 1929 username and password for SOCKS5. Requests
// through different proxies never share a connection.
func WithProxy(proxy func(*http.Request) (*url.URL, error)) Option {
	return func(c *config) { c.proxy = proxy }
}

// WithProxyConnectHeader adds h to every CONNECT request sent to an HTTP or
// HTTPS proxy, as net/http's Transport.ProxyConnectHeader does. h is copied.
// It is not sent to SOCKS5 proxies nor with requests forwarded to a proxy
// (plain http:// over HTTP/1.1). Host, Content-Length, Transfer-Encoding
// and Trailer are never taken from it, and the proxy URL's user
// information, when there is some, replaces its Proxy-Authorization. New
// refuses invalid field names and values (CR and LF among them). The
// default, nil, adds nothing. WithGetProxyConnectHeader overrides it.
func WithProxyConnectHeader(h http.Header) Option {
	return func(c *config) { c.connectHeader = h.Clone() }
}

// WithGetProxyConnectHeader asks fn for the header of each CONNECT request
// instead of using WithProxyConnectHeader's, as net/http's
// Transport.GetProxyConnectHeader does. fn gets the context of the request
// that caused the dial (its values, not its cancellation), the proxy URL
// and the origin's host:port; it is called before the proxy is dialed,
// once per new tunnel. A nil header adds nothing. An error fails the
// request with that error wrapped; nothing was sent, so the request
// provably did not reach the server (it does not match ErrMaybeProcessed).
//
// This is how a challenge-response scheme (Digest, Negotiate) is answered:
// the first request fails with an *alpn.ProxyConnectError whose StatusCode
// is 407 and whose Header holds Proxy-Authenticate; compute the
// credential from it, let fn return it as Proxy-Authorization, and send the
// request again. The default, nil, uses WithProxyConnectHeader.
func WithGetProxyConnectHeader(fn func(ctx context.Context, proxyURL *url.URL, target string) (http.Header, error)) Option {
	return func(c *config) { c.getConnectHeader = fn }
}

// WithOnProxyConnectResponse calls fn with the proxy's reply to every
// CONNECT request, before the Client acts on it (even on a refusal), as
// net/http's Transport.OnProxyConnectResponse does. connectRes.Body holds
// a refusal's body, up to alpn.MaxProxyErrorBody bytes, and is empty for a
// 2xx reply. An error fails the request with that error wrapped, and the
// connection to the proxy is closed. The default, nil, calls nothing.
func WithOnProxyConnectResponse(fn func(ctx context.Context, proxyURL *url.URL, connectReq *http.Request, connectRes *http.Response) error) Option {
	return func(c *config) { c.onConnectResponse = fn }
}

// proxyFromEnvironment is the default proxy function: the proxies the
// environment names now, or nil when it names none, so that a Client
// without proxies spends nothing per request asking.
func proxyFromEnvironment() func(*http.Request) (*url.URL, error) {
	env := httpproxy.FromEnvironment()
	if env.HTTPProxy == "" && env.HTTPSProxy == "" {
		return nil
	}
	forURL := env.ProxyFunc()
	return func(req *http.Request) (*url.URL, error) { return forURL(req.URL) }
}

// setDialer copies the CONNECT options into the dialer.
func (p *proxyConfig) setDialer(d *alpn.Dialer) {
	d.ProxyConnectHeader = p.connectHeader
	d.GetProxyConnectHeader = p.getConnectHeader
	d.OnProxyConnectResponse = p.onConnectResponse
}
