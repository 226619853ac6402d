package plex

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/plexhttp/plex/pool"
)

// route checks the parts of req every protocol needs and names the pool
// key of its origin. Header bytes are checked by the connection that writes
// them, in the same pass that writes them.
func (c *Client) route(req *http.Request) (pool.Key, error) {
	if req == nil {
		return pool.Key{}, errors.New("plex: nil request")
	}
	u := req.URL
	if u == nil {
		return pool.Key{}, errors.New("plex: nil request URL")
	}
	if u.Host == "" {
		return pool.Key{}, fmt.Errorf("plex: no host in request URL %q", u.String())
	}
	key := pool.Key{Scheme: u.Scheme}
	switch u.Scheme {
	case "https":
		if !c.cfg.has(HTTP1) && !c.cfg.has(HTTP2) {
			return pool.Key{}, errors.New("plex: https URL but neither HTTP1 nor HTTP2 is in WithProtocols")
		}
		key.MayMultiplex = c.cfg.has(HTTP2)
	case "http":
		if !c.cfg.has(HTTP1) && !c.cfg.has(UnencryptedHTTP2) {
			return pool.Key{}, errors.New("plex: http URL but neither HTTP1 nor UnencryptedHTTP2 is in WithProtocols")
		}
		key.MayMultiplex = c.cfg.has(UnencryptedHTTP2)
	default:
		return pool.Key{}, fmt.Errorf("plex: unsupported protocol scheme %q", u.Scheme)
	}
	addr, err := originAddr(u.Scheme, u.Host)
	if err != nil {
		return pool.Key{}, err
	}
	key.Addr = addr
	if c.cfg.proxy != nil {
		pu, err := c.cfg.proxy(req)
		if err != nil {
			return pool.Key{}, fmt.Errorf("plex: choosing proxy: %w", err)
		}
		if pu != nil {
			key.Proxy = pu.String()
		}
	}
	return key, nil
}

// originAddr gives host:port for a URL host, adding the scheme's default
// port. A host that already names its port is returned as it is, without
// allocating.
func originAddr(scheme, host string) (string, error) {
	h, port, err := net.SplitHostPort(host)
	if err == nil {
		if h == "" || port == "" {
			return "", fmt.Errorf("plex: invalid host %q in request URL", host)
		}
		return host, nil
	}
	// No port: host may still be a bracketed IPv6 literal.
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" || strings.ContainsAny(host, " \t\r\n/[]") {
		return "", fmt.Errorf("plex: invalid host %q in request URL", host)
	}
	if scheme == "https" {
		return net.JoinHostPort(host, "443"), nil
	}
	return net.JoinHostPort(host, "80"), nil
}
