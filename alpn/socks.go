package alpn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"

	socks "golang.org/x/net/proxy"
)

func isSOCKS(u *url.URL) bool { return u.Scheme == "socks5" || u.Scheme == "socks5h" }

// dialSOCKS reaches t through a SOCKS5 proxy (RFC 1928). The proxy opens
// the TCP connection to the origin; over it, TLS and protocol selection go
// exactly as on a direct connection, for http and https origins alike.
func (d *Dialer) dialSOCKS(ctx context.Context, t Target, host string, offered []string, proxyAddr string) (*Conn, error) {
	target := t.Addr
	if t.Proxy.Scheme == "socks5" {
		var err error
		if target, err = d.resolve(ctx, t.Addr, host); err != nil {
			return nil, err
		}
	}
	conn, err := d.dialTCP(ctx, proxyAddr)
	if err != nil {
		return nil, proxyConnectError(err)
	}
	tunnel, err := d.socksConnect(ctx, conn, t.Proxy, proxyAddr, target)
	if err != nil {
		return nil, err
	}
	if t.Scheme == "http" {
		return &Conn{Conn: tunnel, Protocol: d.cleartextProtocol(t)}, nil
	}
	return d.handshakeOrigin(ctx, tunnel, t, host, offered)
}

// resolve gives addr with its host replaced by the first address the
// system resolver returns for it, for socks5:// proxies, which are given
// an address rather than a name (the curl convention: socks5h:// leaves the
// name to the proxy). The lookup is bounded by DialTimeout, and fires the
// httptrace DNS hooks of the context.
func (d *Dialer) resolve(ctx context.Context, addr, host string) (string, error) {
	if _, err := netip.ParseAddr(host); err == nil {
		return addr, nil
	}
	_, port, _ := net.SplitHostPort(addr) // checked by Dial
	ctx, cancel := context.WithTimeout(ctx, orDefault(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		return "", stepError(ctx, "resolve", host, err)
	}
	return net.JoinHostPort(ips[0].Unmap().String(), port), nil
}

// socksConnect runs the SOCKS5 greeting, authentication and CONNECT for
// target on conn, bounded by ctx and DialTimeout. conn is closed on failure.
func (d *Dialer) socksConnect(ctx context.Context, conn net.Conn, proxyURL *url.URL, proxyAddr, target string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, orDefault(d.DialTimeout, DefaultDialTimeout))
	defer cancel()
	var auth *socks.Auth
	if u := proxyURL.User; u != nil {
		auth = &socks.Auth{User: u.Username()}
		auth.Password, _ = u.Password()
	}
	step := "socks5 connect via proxy " + proxyAddr + " to"
	sd, err := socks.SOCKS5("tcp", proxyAddr, auth, dialed{conn})
	if err != nil {
		conn.Close()
		return nil, stepError(ctx, step, target, err)
	}
	cd, ok := sd.(socks.ContextDialer)
	if !ok {
		conn.Close()
		return nil, stepError(ctx, step, target, fmt.Errorf("%T cannot dial with a context", sd))
	}
	tunnel, err := cd.DialContext(ctx, "tcp", target)
	if err != nil {
		conn.Close()
		// The SOCKS dialer repeats both addresses, which the step names.
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
		}
		return nil, stepError(ctx, step, target, err)
	}
	return tunnel, nil
}

// dialed hands the SOCKS5 dialer the proxy connection already opened by
// dialTCP, so DialContext, DialTimeout and the httptrace hooks apply to it
// as to every other dial.
type dialed struct{ c net.Conn }

func (p dialed) Dial(string, string) (net.Conn, error) { return p.c, nil }

func (p dialed) DialContext(context.Context, string, string) (net.Conn, error) { return p.c, nil }
