package plex

import (
	"context"
	"net/netip"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/pool"
)

// addrsConfig holds the options that spread an origin's connections over
// its addresses; it is part of config.
type addrsConfig struct {
	lookup          func(ctx context.Context, network, host string) ([]netip.Addr, error)
	minConnsPerHost int
}

// WithLookupNetIP makes the Client resolve host names itself, with lookup,
// which has the signature of (*net.Resolver).LookupNetIP: pass
// r.LookupNetIP to use a resolver r, or a function of your own (tests map
// names to loopback addresses this way). network is "ip". With it:
//   - origins dialed directly (not through a proxy, nor by
//     WithDialTLSContext) are dialed by address: a new connection to an
//     origin that already has some goes to the address its open
//     connections use least (round-robin by count), so that extra HTTP/2
//     connections (above the server's stream limit, or by
//     WithMinConnsPerHost) reach different servers; an address that refused
//     a connection is tried only after the others for 30 seconds (a
//     DialAddrFailed event says so), and the dial goes on with the next
//     address; an address alone is always tried. The chosen address reaches
//     the dial function (WithDialContext, or a net.Dialer) as ip:port; TLS
//     still verifies the certificate against the host name. The addresses
//     are tried one after another, within the dial timeout, rather than
//     raced as net.Dialer races IPv6 and IPv4;
//   - connection coalescing (WithConnectionCoalescing) compares a name's
//     addresses with an open connection's through the same lookup, so both
//     see the same answers.
//
// Nil, the default, leaves names to the dial function: net.Dialer resolves
// each dial's name and tries its addresses itself, every connection may go
// to the same one, and coalescing looks names up with net.DefaultResolver.
func WithLookupNetIP(lookup func(ctx context.Context, network, host string) ([]netip.Addr, error)) Option {
	return func(c *config) { c.lookup = lookup }
}

// WithMinConnsPerHost keeps each HTTP/2 origin on at least n connections
// once its first one is up, dialing the others one at a time (within
// WithMaxConnsPerHost), and spreads requests over them: each goes to the
// least loaded, equally loaded ones taking turns. With WithLookupNetIP each goes
// to a different address when the host has several. Zero or one, the
// default, keeps one connection until its streams are all in use. HTTP/1.1
// origins are not affected. A negative n is refused by New.
func WithMinConnsPerHost(n int) Option {
	return func(c *config) { c.minConnsPerHost = n }
}

func (a *addrsConfig) setPool(pc *pool.Config) {
	pc.MinConnsPerHost = a.minConnsPerHost
	pc.PassPeers = a.lookup != nil
}

// newAddrPicker wraps d's TCP dial with the address choice of WithLookupNetIP,
// and returns nil, leaving d alone, without it.
func (a *addrsConfig) newAddrPicker(d *alpn.Dialer, l *EventListener) *addrPicker {
	if a.lookup == nil {
		return nil
	}
	lookup := a.lookup
	p := newAddrPicker(func(ctx context.Context, host string) ([]netip.Addr, error) {
		return lookup(ctx, "ip", host)
	}, l)
	d.DialContext = p.dialContext(d.DialContext)
	return p
}
