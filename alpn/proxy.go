package alpn

import (
	"bufio"
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

// dialViaProxy reaches t through t.Proxy: a tunnel (CONNECT) for https and
// h2c targets, a forward-proxy connection for plain HTTP/1.1 targets.
func (d *Dialer) dialViaProxy(ctx context.Context, t Target, host string, offered []string) (*Conn, error) {
	proxyAddr, proxyHost, err := proxyAddress(t.Proxy)
	if err != nil {
		return nil, err
	}
	auth := proxyAuthorization(t.Proxy)

	conn, err := d.dialTCP(ctx, proxyAddr)
	if err != nil {
		// Typed and named as net/http does, so a failure to reach the
		// proxy reads as one.
		return nil, &net.OpError{Op: "proxyconnect", Net: "tcp", Err: err}
	}
	if t.Proxy.Scheme == "https" {
		cfg := d.tlsConfig(proxyHTTPSProtocols)
		cfg.ServerName = proxyHost
		tc, _, err := d.handshake(ctx, conn, cfg, "tls handshake with proxy", proxyAddr)
		if err != nil {
			return nil, err
		}
		conn = tc
	}

	if t.Scheme == "http" && !d.H2C {
		c := &Conn{Conn: conn, Protocol: ProtoHTTP1, ForwardProxy: true}
		if auth != "" {
			c.ProxyHeader = http.Header{"Proxy-Authorization": {auth}}
		}
		return c, nil
	}

	tunnel, err := d.connect(ctx, conn, proxyAddr, t.Addr, auth)
	if err != nil {
		return nil, err
	}
	if t.Scheme == "http" {
		return &Conn{Conn: tunnel, Protocol: ProtoH2C}, nil
	}
	return d.handshakeOrigin(ctx, tunnel, t, host, offered)
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
	default:
		return "", "", fmt.Errorf("alpn: unsupported proxy scheme %q in %s (want http or https)", u.Scheme, u.Redacted())
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

// connect asks the proxy on conn for a tunnel to target and returns the
// tunnel. conn is closed on failure. The exchange is bounded by ctx and
// DialTimeout.
func (d *Dialer) connect(ctx context.Context, conn net.Conn, proxyAddr, target, auth string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	step := "connect via proxy " + proxyAddr + " to"
	fail := func(err error) (net.Conn, error) {
		conn.Close()
		return nil, stepError(ctx, step, target, err)
	}

	// The context (which carries DialTimeout) is the only deadline: when it
	// ends, a deadline in the past wakes a blocked read or write at once,
	// and stop reports that this happened, so every i/o error caused by it
	// is reported as the context's error.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })

	reply, br, err := exchangeConnect(conn, target, auth)
	if !stop() {
		// The connection now has a deadline in the past: unusable.
		if err == nil {
			err = ctx.Err()
		}
		return fail(err)
	}
	if err != nil {
		return fail(err)
	}
	if reply.StatusCode < 200 || reply.StatusCode > 299 {
		conn.Close()
		return nil, &ProxyConnectError{Proxy: proxyAddr, Target: target, StatusCode: reply.StatusCode, Status: reply.Status}
	}
	if n := br.Buffered(); n > 0 {
		// Bytes the proxy sent after its reply already belong to the
		// tunnel: hand them to the next reader before the connection.
		early, _ := br.Peek(n)
		return newPrefixConn(conn, early), nil
	}
	return conn, nil
}

// exchangeConnect writes the CONNECT request and reads the reply head. The
// reader is returned so the caller can recover tunnel bytes it buffered.
func exchangeConnect(conn net.Conn, target, auth string) (*http.Response, *bufio.Reader, error) {
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	if auth != "" {
		req += "Proxy-Authorization: " + auth + "\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, nil, fmt.Errorf("write request: %w", err)
	}
	limited := &io.LimitedReader{R: conn, N: maxConnectReply}
	br := bufio.NewReader(limited)
	reply, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		if limited.N == 0 {
			return nil, nil, fmt.Errorf("reply exceeds %d bytes", maxConnectReply)
		}
		return nil, nil, fmt.Errorf("read reply: %w", err)
	}
	return reply, br, nil
}
