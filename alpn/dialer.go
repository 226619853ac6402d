package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Protocols a Conn can speak, named by their ALPN identifiers.
const (
	ProtoHTTP1 = "http/1.1"
	ProtoH2    = "h2"
	// ProtoH2C is HTTP/2 with prior knowledge over cleartext: the client
	// sends the HTTP/2 preface straight away, without negotiation.
	ProtoH2C = "h2c"
)

// Defaults applied to a zero Dialer field.
const (
	DefaultDialTimeout         = 30 * time.Second
	DefaultTLSHandshakeTimeout = 10 * time.Second
	defaultKeepAlive           = 30 * time.Second
)

// defaultHTTPSProtocols is offered when Dialer.HTTPSProtocols is empty.
var defaultHTTPSProtocols = []string{ProtoH2, ProtoHTTP1}

// proxyHTTPSProtocols is what an https proxy is offered: the CONNECT exchange
// and forward-proxy requests are HTTP/1.1.
var proxyHTTPSProtocols = []string{ProtoHTTP1}

// http1OnlyProtocols is what an origin is offered for a Target with
// HTTP1Only.
var http1OnlyProtocols = []string{ProtoHTTP1}

// defaultNetDialer is used when Dialer.DialContext is nil. Its dial timeout
// comes from the context deadline Dial sets, so it needs no Timeout itself.
var defaultNetDialer = &net.Dialer{KeepAlive: defaultKeepAlive}

// Dialer opens connections to origins, directly or through a proxy, and
// reports the protocol each one speaks. A Client owns one Dialer; it is safe
// for concurrent use as long as its fields are not changed after the first
// Dial. The zero value dials with defaults.
type Dialer struct {
	// DialContext opens every TCP connection, to origins and to proxies.
	// Nil means a net.Dialer with 30 s TCP keep-alive. The context carries
	// the DialTimeout deadline and the request's values (so a net.Dialer
	// fires the httptrace DNS and Connect hooks itself).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTLSContext, when set, makes the TLS connections to the first
	// hop in place of DialContext and the Dialer's own handshake: to an
	// https origin reached directly, and to an https proxy. It returns a
	// connection ready to speak TLS (a *tls.Conn whose handshake is not
	// done yet has it done by the Dialer). The protocol comes from the
	// connection's ALPN result when it has a ConnectionState method, as
	// *tls.Conn does, else it is HTTP/1.1; TLSConfig and ServerName do not
	// apply to it. An origin reached through a tunnel gets the Dialer's own
	// TLS, as in net/http. The context is bounded by DialTimeout plus
	// TLSHandshakeTimeout.
	DialTLSContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTimeout bounds the TCP dial, and separately the proxy CONNECT
	// exchange. Zero (or negative) means DefaultDialTimeout.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds each TLS handshake (to the origin and to an
	// https proxy). Zero (or negative) means DefaultTLSHandshakeTimeout.
	TLSHandshakeTimeout time.Duration
	// TLSConfig is cloned for every TLS handshake; its NextProtos is
	// replaced. Nil means crypto/tls defaults: system roots, verification
	// on. Certificates are verified unless this config says otherwise.
	TLSConfig *tls.Config
	// HTTPSProtocols is the ALPN list offered to https origins, in order of
	// preference: {"h2", "http/1.1"} (the default when empty), {"h2"} for
	// HTTP/2 only, {"http/1.1"} for HTTP/1.1 only. Other values are refused.
	HTTPSProtocols []string
	// H2C makes http:// origins speak HTTP/2 with prior knowledge
	// (Conn.Protocol ProtoH2C) instead of HTTP/1.1, except for targets with
	// HTTP1Only.
	H2C bool

	// ProxyConnectHeader is added to every CONNECT request sent to an HTTP
	// or HTTPS proxy (as net/http's Transport.ProxyConnectHeader). Nil
	// sends no extra field. It is not sent with requests forwarded to a
	// proxy (plain HTTP/1.1 origins), nor to SOCKS5 proxies. Host,
	// Content-Length, Transfer-Encoding and Trailer are never taken from
	// it; Proxy-Authorization is replaced by the proxy URL's credentials
	// when the URL has any. Validate refuses invalid names and values.
	ProxyConnectHeader http.Header
	// GetProxyConnectHeader, when set, is asked for the header of each
	// CONNECT request instead of ProxyConnectHeader, before the proxy is
	// dialed: target is the origin's host:port. A nil header sends no extra
	// field. An error fails the dial with that error wrapped, and nothing
	// reaches the proxy. This is how credentials that depend on the
	// proxy's challenge (Digest, Negotiate) are supplied: see
	// ProxyConnectError.
	GetProxyConnectHeader func(ctx context.Context, proxyURL *url.URL, target string) (http.Header, error)
	// OnProxyConnectResponse, when set, sees the proxy's reply to every
	// CONNECT request, successful or not, before the Dialer acts on it.
	// connectRes.Body holds the body of a refusal (up to
	// MaxProxyErrorBody bytes) and is empty for a 2xx reply. An error fails
	// the dial with that error wrapped, and the connection is closed.
	OnProxyConnectResponse func(ctx context.Context, proxyURL *url.URL, connectReq *http.Request, connectRes *http.Response) error
}

// Target is what to connect to.
type Target struct {
	// Scheme is "http" or "https".
	Scheme string
	// Addr is the origin's host:port, with an IPv6 host in brackets
	// ("[::1]:443").
	Addr string
	// ServerName is the TLS server name (SNI) and the name the certificate
	// is verified against. Empty means Dialer.TLSConfig.ServerName if set,
	// else the host part of Addr. IP literals are verified against the
	// certificate's IP addresses and sent without SNI.
	ServerName string
	// Proxy is the proxy to go through; nil dials directly. Its scheme is
	// "http" (cleartext to the proxy) or "https" (TLS to the proxy, verified
	// against the proxy's host), whose user information becomes Basic
	// Proxy-Authorization; or "socks5" (the origin's name is resolved here
	// and the proxy is given an IP address) or "socks5h" (the proxy is
	// given the name to resolve), whose user information is sent as the
	// SOCKS5 username and password (RFC 1929). Default ports: 80, 443 and
	// 1080. For proxies from the environment, set it from
	// httpproxy.FromEnvironment or http.ProxyFromEnvironment.
	Proxy *url.URL
	// HTTP1Only asks for an HTTP/1.1 connection whatever the Dialer would
	// otherwise speak: TLS offers ALPN "http/1.1" alone and a cleartext
	// origin gets no HTTP/2 preface. A request that switches protocols
	// (Connection: upgrade) needs one, as HTTP/2 has no such switch.
	HTTP1Only bool
}

// Conn is a dialed connection and what was negotiated on it.
type Conn struct {
	// Conn is ready to speak Protocol: a *tls.Conn when TLS to the origin or
	// to an https proxy is in use.
	net.Conn
	// Protocol is ProtoHTTP1, ProtoH2 or ProtoH2C.
	Protocol string
	// TLS is the state of the TLS session with the origin; nil when the
	// origin is reached over cleartext (even through an https proxy).
	TLS *tls.ConnectionState
	// ForwardProxy means the connection goes to an HTTP proxy that forwards
	// each request: requests must use the absolute form
	// ("GET http://example.com/ HTTP/1.1") and carry ProxyHeader.
	ForwardProxy bool
	// ProxyHeader holds the Proxy-Authorization header to add to every
	// request when ForwardProxy is set and the proxy URL had user
	// information; nil otherwise.
	ProxyHeader http.Header
}

// Dial connects to t and returns a connection speaking the negotiated
// protocol. The context bounds the whole dial (together with DialTimeout and
// TLSHandshakeTimeout) and its values reach DialContext and httptrace hooks.
// On error no connection is left open.
func (d *Dialer) Dial(ctx context.Context, t Target) (*Conn, error) {
	if d == nil {
		d = &Dialer{}
	}
	if t.Scheme != "http" && t.Scheme != "https" {
		return nil, fmt.Errorf("alpn: unsupported scheme %q for %s (want http or https)", t.Scheme, t.Addr)
	}
	host, err := splitAddr(t.Addr)
	if err != nil {
		return nil, err
	}
	offered := d.httpsProtocols()
	if t.HTTP1Only {
		offered = http1OnlyProtocols
	}
	if t.Scheme == "https" {
		if err := checkOffered(offered); err != nil {
			return nil, err
		}
	}
	if t.Proxy != nil {
		return d.dialViaProxy(ctx, t, host, offered)
	}
	if t.Scheme == "https" && d.DialTLSContext != nil {
		return d.dialTLSOrigin(ctx, t, offered)
	}
	raw, err := d.dialTCP(ctx, t.Addr)
	if err != nil {
		return nil, err
	}
	if t.Scheme == "http" {
		return &Conn{Conn: raw, Protocol: d.cleartextProtocol(t)}, nil
	}
	return d.handshakeOrigin(ctx, raw, t, host, offered)
}

// dialTCP opens a TCP connection to addr through DialContext, bounded by
// DialTimeout through the context so that user dial functions see it too.
func (d *Dialer) dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	dial := d.DialContext
	if dial == nil {
		dial = defaultNetDialer.DialContext
	}
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		if c != nil {
			c.Close()
		}
		// A *net.OpError already names the step and the address; net/http
		// returns it as it is, and callers written for net/http may
		// type-assert it.
		if oe, ok := err.(*net.OpError); ok {
			return nil, withContextError(ctx, oe)
		}
		return nil, stepError(ctx, "dial", addr, err)
	}
	if c == nil {
		return nil, stepError(ctx, "dial", addr, errors.New("DialContext returned neither a connection nor an error"))
	}
	return c, nil
}

func (d *Dialer) cleartextProtocol(t Target) string {
	if d.h2c(t) {
		return ProtoH2C
	}
	return ProtoHTTP1
}

// h2c reports whether the cleartext target t gets HTTP/2 with prior knowledge.
func (d *Dialer) h2c(t Target) bool { return d.H2C && !t.HTTP1Only }

func (d *Dialer) httpsProtocols() []string {
	if len(d.HTTPSProtocols) == 0 {
		return defaultHTTPSProtocols
	}
	return d.HTTPSProtocols
}

// checkOffered refuses ALPN identifiers this package cannot map to a
// protocol, so a typo fails loudly instead of being negotiated.
func checkOffered(offered []string) error {
	for i, p := range offered {
		if p != ProtoH2 && p != ProtoHTTP1 {
			return fmt.Errorf("alpn: unsupported https protocol %q (want %q or %q)", p, ProtoH2, ProtoHTTP1)
		}
		for _, q := range offered[:i] {
			if p == q {
				return fmt.Errorf("alpn: https protocol %q offered twice", p)
			}
		}
	}
	return nil
}

// splitAddr checks that addr is host:port and returns the host, without
// brackets.
func splitAddr(addr string) (string, error) {
	for i := 0; i < len(addr); i++ {
		// The address is written into a CONNECT request line and Host
		// header, so it must not be able to end them.
		if b := addr[i]; b <= ' ' || b == 0x7f {
			return "", fmt.Errorf("alpn: invalid address %q: control character or space", addr)
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("alpn: invalid address %q: %w", addr, err)
	}
	if host == "" || port == "" {
		return "", fmt.Errorf("alpn: invalid address %q: host and port are both required", addr)
	}
	return host, nil
}

func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
