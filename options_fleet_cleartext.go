package plex

import "fmt"

// WithCleartextProtocol chooses the protocol of each http:// origin, for a
// Client that talks to both kinds of cleartext server: HTTP/2 with prior
// knowledge (h2c) to some, HTTP/1.1 to others, as a proxy in front of
// mixed backends must. choose is called for every http:// request with
// the origin's host:port (the URL's host with port 80 added when it names
// none) and returns UnencryptedHTTP2 or HTTP1 to fix that origin's
// protocol, or 0 to leave it to WithProtocols (HTTP/1.1 when HTTP1 is in
// the set; h2c when UnencryptedHTTP2 is and HTTP1 is not). The protocol it
// returns must be in WithProtocols, and any other value fails the request
// with an error that says so: for a mixed fleet, pass
// WithProtocols(HTTP1, HTTP2, UnencryptedHTTP2). choose must be safe for
// concurrent use and quick, and should give the same answer for an origin
// each time: the two protocols' connections to one origin are pooled
// apart. A request that switches protocols (Connection: upgrade) still
// goes on HTTP/1.1. https:// origins are unaffected: ALPN decides there.
//
// The default, nil, leaves every http:// origin to WithProtocols.
func WithCleartextProtocol(choose func(addr string) Protocol) Option {
	return func(c *config) { c.cleartextProtocol = choose }
}

// cleartextMux reports whether the http:// origin at addr speaks h2c,
// asking the WithCleartextProtocol function when there is one.
func (c *Client) cleartextMux(addr string) (bool, error) {
	choose := c.cfg.cleartextProtocol
	if choose == nil {
		return c.cfg.h2cOnly(), nil
	}
	switch p := choose(addr); p {
	case 0:
		return c.cfg.h2cOnly(), nil
	case HTTP1, UnencryptedHTTP2:
		if !c.cfg.has(p) {
			return false, fmt.Errorf("plex: WithCleartextProtocol chose %v for http://%s, but %s is not in WithProtocols", p, addr, protocolConst(p))
		}
		return p == UnencryptedHTTP2, nil
	default:
		return false, fmt.Errorf("plex: WithCleartextProtocol chose %v for http://%s; only HTTP1 or UnencryptedHTTP2 can carry http:// URLs", p, addr)
	}
}

// protocolConst names p as the package spells it, for error messages that
// tell what to pass to WithProtocols.
func protocolConst(p Protocol) string {
	if p == UnencryptedHTTP2 {
		return "UnencryptedHTTP2"
	}
	return "HTTP1"
}
