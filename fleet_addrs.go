package plex

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"
)

// addrSkipPeriod is how long an address that refused a connection is tried
// only after the others.
const addrSkipPeriod = 30 * time.Second

// lookupNetDialer dials when WithLookupNetIP is set without WithDialContext: the
// alpn package's default, a net.Dialer with 30 s keep-alive.
var lookupNetDialer = &net.Dialer{KeepAlive: 30 * time.Second}

// addrPicker chooses the address of each direct dial of an origin whose
// host WithLookupNetIP resolves, from what the pool says the origin's open
// connections use, the connects under way and the addresses that failed.
type addrPicker struct {
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	ev     *EventListener
	now    func() time.Time // time.Now; tests set their own clock

	mu      sync.Mutex
	bad     map[netip.AddrPort]time.Time // guarded by mu: until when each address goes last
	dialing map[netip.AddrPort]int       // guarded by mu: connects under way to each address
}

func newAddrPicker(lookup func(context.Context, string) ([]netip.Addr, error), l *EventListener) *addrPicker {
	return &addrPicker{
		lookup:  lookup,
		ev:      l,
		now:     time.Now,
		bad:     make(map[netip.AddrPort]time.Time),
		dialing: make(map[netip.AddrPort]int),
	}
}

// directDial marks the ctx of a dial that goes straight to the origin at
// addr, telling the picker which addresses its open connections use.
type directDial struct {
	addr   string
	conn   ConnID
	origin Origin
	peers  []net.Addr
}

type directDialKey struct{}

// dialContext returns the TCP dial function that applies the choice to
// direct dials of names and hands everything else to next.
func (p *addrPicker) dialContext(next func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if next == nil {
		next = lookupNetDialer.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		dd, _ := ctx.Value(directDialKey{}).(*directDial)
		if dd == nil || dd.addr != addr {
			return next(ctx, network, addr) // a proxy, or a step that is not ours
		}
		host, portStr, err := net.SplitHostPort(addr)
		if err != nil {
			return next(ctx, network, addr)
		}
		if _, err := netip.ParseAddr(host); err == nil {
			return next(ctx, network, addr)
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			return next(ctx, network, addr)
		}
		ips, err := p.lookup(ctx, host)
		if err == nil && len(ips) == 0 {
			err = fmt.Errorf("no addresses")
		}
		if err != nil {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("plex: looking up %s: %w", host, err)}
		}
		var first error
		for _, ap := range p.order(ips, uint16(port), dd.peers) {
			c, err := p.connect(ctx, next, network, ap)
			if err == nil {
				return c, nil
			}
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				// Out of time: the address is not to blame.
				break
			}
			p.failed(dd, ap, err)
		}
		return nil, first
	}
}

func (p *addrPicker) connect(ctx context.Context, next func(context.Context, string, string) (net.Conn, error), network string, ap netip.AddrPort) (net.Conn, error) {
	p.mu.Lock()
	p.dialing[ap]++
	p.mu.Unlock()
	c, err := next(ctx, network, ap.String())
	p.mu.Lock()
	if p.dialing[ap]--; p.dialing[ap] == 0 {
		delete(p.dialing, ap)
	}
	p.mu.Unlock()
	return c, err
}

// failed sends ap to the back of the order for addrSkipPeriod.
func (p *addrPicker) failed(dd *directDial, ap netip.AddrPort, err error) {
	now := p.now()
	until := now.Add(addrSkipPeriod)
	p.mu.Lock()
	for a, u := range p.bad {
		if !now.Before(u) {
			delete(p.bad, a) // keeps the map to the addresses failing now
		}
	}
	p.bad[ap] = until
	p.mu.Unlock()
	if p.ev != nil && p.ev.DialAddrFailed != nil {
		p.ev.DialAddrFailed(DialAddrFailed{Conn: dd.conn, Origin: dd.origin, Addr: ap.String(), Err: err, SkipUntil: until})
	}
}

// order lists the addresses to try: those not failing, least used first
// (open connections and connects under way), in the resolver's order among
// equals; then those failing, the one whose skip ends first first.
func (p *addrPicker) order(ips []netip.Addr, port uint16, peers []net.Addr) []netip.AddrPort {
	uses := make(map[netip.AddrPort]int, len(peers))
	for _, a := range peers {
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			uses[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())]++
		}
	}
	type cand struct {
		ap    netip.AddrPort
		uses  int
		until time.Time
	}
	now := p.now()
	var good, bad []cand
	seen := make(map[netip.Addr]bool, len(ips))
	p.mu.Lock()
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsValid() || seen[ip] {
			continue
		}
		seen[ip] = true
		ap := netip.AddrPortFrom(ip, port)
		c := cand{ap: ap, uses: uses[ap] + p.dialing[ap]}
		if u, ok := p.bad[ap]; ok && now.Before(u) {
			c.until = u
			bad = append(bad, c)
		} else {
			good = append(good, c)
		}
	}
	p.mu.Unlock()
	slices.SortStableFunc(good, func(a, b cand) int { return cmp.Compare(a.uses, b.uses) })
	slices.SortStableFunc(bad, func(a, b cand) int { return a.until.Compare(b.until) })
	out := make([]netip.AddrPort, 0, len(good)+len(bad))
	for _, c := range append(good, bad...) {
		out = append(out, c.ap)
	}
	return out
}
