package plex

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/http/httpguts"

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
	default:
		return pool.Key{}, fmt.Errorf("plex: unsupported protocol scheme %q", u.Scheme)
	}
	addr, err := c.originAddr(u.Scheme, u.Host)
	if err != nil {
		return pool.Key{}, err
	}
	key.Addr = addr
	if key.Scheme == "http" {
		if key.MayMultiplex, err = c.cleartextMux(addr); err != nil {
			return pool.Key{}, err
		}
	}
	if key.MayMultiplex && isUpgrade(req.Header) {
		// HTTP/2 has no protocol switch (RFC 9113 §8.6), so the request
		// goes on an HTTP/1.1 connection of its own kind: a pool key that
		// never multiplexes is dialed offering HTTP/1.1 alone.
		if !c.cfg.has(HTTP1) {
			return pool.Key{}, fmt.Errorf("plex: request asks to switch to protocol %q, which needs HTTP/1.1, but HTTP1 is not in WithProtocols", req.Header.Get("Upgrade"))
		}
		key.MayMultiplex = false
	}
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

// isUpgrade reports whether a request header asks to switch protocols
// (Connection: upgrade and an Upgrade header naming the protocol), which
// only HTTP/1.1 can do.
func isUpgrade(h http.Header) bool {
	up := h["Upgrade"]
	return len(up) > 0 && up[0] != "" && httpguts.HeaderValuesContainsToken(h["Connection"], "upgrade")
}

// originAddr gives host:port for a URL host, adding the scheme's default
// port. It allocates nothing on the common paths: a host that names its
// port is returned as it is, and a portless one is joined once per host
// and then found in the cache.
func (c *Client) originAddr(scheme, host string) (string, error) {
	if hasPort(host) {
		h, port, err := net.SplitHostPort(host)
		if err != nil || h == "" || port == "" {
			return "", fmt.Errorf("plex: invalid host %q in request URL", host)
		}
		return host, nil
	}
	cache := &c.httpAddrs
	if scheme == "https" {
		cache = &c.httpsAddrs
	}
	if addr, ok := cache.get(host); ok {
		return addr, nil
	}
	h := host
	// A portless host may still be a bracketed IPv6 literal.
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if h == "" || strings.ContainsAny(h, " \t\r\n/[]") {
		return "", fmt.Errorf("plex: invalid host %q in request URL", host)
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	addr := net.JoinHostPort(h, port)
	cache.put(host, addr)
	return addr, nil
}

// hasPort reports whether host ends in a port: a colon after any
// bracketed IPv6 literal.
func hasPort(host string) bool {
	i := strings.LastIndexByte(host, ':')
	return i >= 0 && i > strings.LastIndexByte(host, ']')
}

// addrCache remembers the host:port of portless URL hosts. It stops
// growing at maxCachedAddrs, so a client fed endless distinct hosts only
// loses the saving, never memory.
type addrCache struct {
	m sync.Map // URL host -> host:port
	n atomic.Int32
}

const maxCachedAddrs = 1024

func (a *addrCache) get(host string) (string, bool) {
	v, ok := a.m.Load(host)
	if !ok {
		return "", false
	}
	return v.(string), true
}

func (a *addrCache) put(host, addr string) {
	if a.n.Load() < maxCachedAddrs {
		if _, loaded := a.m.LoadOrStore(host, addr); !loaded {
			a.n.Add(1)
		}
	}
}
