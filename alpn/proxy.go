package alpn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// maxConnectReply bounds the proxy's reply to CONNECT, so a hostile or broken
// proxy cannot make us buffer without end.
const maxConnectReply = 64 << 10

// MaxProxyErrorBody bounds ProxyConnectError.Body: enough for the page a
// proxy explains a refusal with, never a download.
const MaxProxyErrorBody = 4 << 10

// dialViaProxy reaches t through t.Proxy: a tunnel (CONNECT, or SOCKS5) for
// https and h2c targets, a forward-proxy connection for plain HTTP/1.1
// targets of an HTTP proxy.
func (d *Dialer) dialViaProxy(ctx context.Context, t Target, host string, offered []string) (*Conn, error) {
	proxyAddr, proxyHost, err := proxyAddress(t.Proxy)
	if err != nil {
		return nil, err
	}
	if isSOCKS(t.Proxy) {
		return d.dialSOCKS(ctx, t, host, offered, proxyAddr)
	}
	forward := t.Scheme == "http" && !d.h2c(t)
	var hdr http.Header
	if !forward {
		// Asked before dialing, so a failing callback costs no connection.
		if hdr, err = d.connectHeader(ctx, t.Proxy, t.Addr); err != nil {
			return nil, err
		}
	}

	conn, err := d.dialProxyHop(ctx, t.Proxy.Scheme, proxyAddr, proxyHost)
	if err != nil {
		return nil, proxyConnectError(err)
	}

	if forward {
		c := &Conn{Conn: conn, Protocol: ProtoHTTP1, ForwardProxy: true}
		if auth := proxyAuthorization(t.Proxy); auth != "" {
			c.ProxyHeader = http.Header{"Proxy-Authorization": {auth}}
		}
		return c, nil
	}

	tunnel, err := d.connect(ctx, conn, t.Proxy, proxyAddr, t.Addr, hdr)
	if err != nil {
		return nil, err
	}
	if t.Scheme == "http" {
		return &Conn{Conn: tunnel, Protocol: ProtoH2C}, nil
	}
	return d.handshakeOrigin(ctx, tunnel, t, host, offered)
}

// proxyConnectError is a failure to reach a proxy, of any kind, typed and
// named as net/http does, so that it reads as one.
func proxyConnectError(err error) error {
	return &net.OpError{Op: "proxyconnect", Net: "tcp", Err: err}
}

// proxyAddress validates the proxy URL and returns its host:port, with the
// scheme's default port filled in, and its bare host for TLS verification.
func proxyAddress(u *url.URL) (addr, host string, err error) {
	var defaultPort string
	switch u.Scheme {
	case "http":
		defaultPort = "80"
	case "https":
		defaultPort = "443"
	case "socks5", "socks5h":
		defaultPort = "1080"
	default:
		return "", "", fmt.Errorf("alpn: unsupported proxy scheme %q in %s (want http, https, socks5 or socks5h)", u.Scheme, u.Redacted())
	}
	host = u.Hostname()
	if host == "" {
		return "", "", fmt.Errorf("alpn: proxy URL %s has no host", u.Redacted())
	}
	port := u.Port()
	if port == "" {
		port = defaultPort
	}
	return net.JoinHostPort(host, port), host, nil
}

// proxyAuthorization is the Basic credential from the proxy URL's user
// information, or "" without one.
func proxyAuthorization(u *url.URL) string {
	if u.User == nil {
		return ""
	}
	pass, _ := u.User.Password()
	cred := u.User.Username() + ":" + pass
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(cred))
}

// connectHeader is the header sent with CONNECT to target: the callback's
// answer when there is a callback, else ProxyConnectHeader, with the proxy
// URL's credentials, if any, as Proxy-Authorization over either (as
// net/http does). The result is the caller's to keep.
func (d *Dialer) connectHeader(ctx context.Context, proxyURL *url.URL, target string) (http.Header, error) {
	hdr := d.ProxyConnectHeader
	if d.GetProxyConnectHeader != nil {
		h, err := d.GetProxyConnectHeader(ctx, proxyURL, target)
		if err != nil {
			return nil, fmt.Errorf("alpn: GetProxyConnectHeader for %s via %s: %w", target, proxyURL.Redacted(), err)
		}
		if err := checkConnectHeader(h); err != nil {
			return nil, fmt.Errorf("alpn: GetProxyConnectHeader for %s: %w", target, err)
		}
		hdr = h
	}
	hdr = hdr.Clone()
	if hdr == nil {
		hdr = http.Header{}
	}
	if auth := proxyAuthorization(proxyURL); auth != "" {
		hdr.Set("Proxy-Authorization", auth)
	}
	return hdr, nil
}

// connect asks the proxy on conn for a tunnel to target and returns the
// tunnel. conn is closed on failure. The exchange is bounded by ctx and
// DialTimeout; OnProxyConnectResponse, if set, sees the reply.
func (d *Dialer) connect(ctx context.Context, conn net.Conn, proxyURL *url.URL, proxyAddr, target string, hdr http.Header) (net.Conn, error) {
	req := &http.Request{
		Method: http.MethodConnect, URL: &url.URL{Opaque: target}, Host: target, Header: hdr,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	xctx, cancel := context.WithTimeout(ctx, orDefault(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	step := "connect via proxy " + proxyAddr + " to"
	fail := func(err error) (net.Conn, error) {
		conn.Close()
		return nil, stepError(xctx, step, target, err)
	}

	// The context (which carries DialTimeout) is the only deadline: when it
	// ends, a deadline in the past wakes a blocked read or write at once,
	// and stop reports that this happened, so every i/o error caused by it
	// is reported as the context's error.
	stop := context.AfterFunc(xctx, func() { conn.SetDeadline(time.Unix(1, 0)) })

	reply, br, err := exchangeConnect(conn, req)
	if err == nil && (reply.StatusCode < 200 || reply.StatusCode > 299) {
		// A refusal is reported as such even if its body is cut short by
		// the deadline: the body only explains it.
		body := readRefusalBody(reply, br)
		stop()
		conn.Close()
		reply.Body = io.NopCloser(bytes.NewReader(body))
		if err := d.onConnectResponse(ctx, proxyURL, req, reply); err != nil {
			return nil, err
		}
		return nil, &ProxyConnectError{
			Proxy: proxyAddr, Target: target, StatusCode: reply.StatusCode, Status: reply.Status,
			Header: reply.Header, Body: body,
		}
	}
	if !stop() {
		// The connection now has a deadline in the past: unusable.
		if err == nil {
			err = xctx.Err()
		}
		return fail(err)
	}
	if err != nil {
		return fail(err)
	}
	reply.Body = http.NoBody
	if err := d.onConnectResponse(ctx, proxyURL, req, reply); err != nil {
		conn.Close()
		return nil, err
	}
	if n := br.Buffered(); n > 0 {
		// Bytes the proxy sent after its reply already belong to the
		// tunnel: hand them to the next reader before the connection.
		early, _ := br.Peek(n)
		return newPrefixConn(conn, early), nil
	}
	return conn, nil
}

func (d *Dialer) onConnectResponse(ctx context.Context, proxyURL *url.URL, req *http.Request, reply *http.Response) error {
	if d.OnProxyConnectResponse == nil {
		return nil
	}
	if err := d.OnProxyConnectResponse(ctx, proxyURL, req, reply); err != nil {
		return fmt.Errorf("alpn: OnProxyConnectResponse for %s via %s: %w", req.Host, proxyURL.Redacted(), err)
	}
	return nil
}

// readRefusalBody reads up to MaxProxyErrorBody bytes of a refused CONNECT's
// body. A body that runs until the proxy closes is read only as far as it
// has already arrived: a proxy that keeps the connection open would
// otherwise hold the dial until DialTimeout. Read errors only shorten it.
func readRefusalBody(reply *http.Response, br *bufio.Reader) []byte {
	n := int64(MaxProxyErrorBody)
	if reply.ContentLength < 0 && len(reply.TransferEncoding) == 0 {
		n = min(n, int64(br.Buffered()))
	}
	body, _ := io.ReadAll(io.LimitReader(reply.Body, n))
	return body
}

// connectOmitted are header fields a CONNECT request never carries from the
// caller's header: Host is the target, and the request has no body.
var connectOmitted = map[string]bool{"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Trailer": true}

// exchangeConnect writes the CONNECT request and reads the reply head. The
// reader is returned so the caller can recover tunnel bytes it buffered.
func exchangeConnect(conn net.Conn, req *http.Request) (*http.Response, *bufio.Reader, error) {
	var b bytes.Buffer
	b.WriteString("CONNECT " + req.Host + " HTTP/1.1\r\nHost: " + req.Host + "\r\n")
	// Field names and values were checked when they were set; WriteSubset
	// sorts the fields, so what goes out does not depend on map order.
	req.Header.WriteSubset(&b, connectOmitted)
	b.WriteString("\r\n")
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, nil, fmt.Errorf("write request: %w", err)
	}
	limited := &io.LimitedReader{R: conn, N: maxConnectReply}
	br := bufio.NewReader(limited)
	reply, err := http.ReadResponse(br, req)
	if err != nil {
		if limited.N == 0 {
			return nil, nil, fmt.Errorf("reply exceeds %d bytes", maxConnectReply)
		}
		return nil, nil, fmt.Errorf("read reply: %w", err)
	}
	return reply, br, nil
}
