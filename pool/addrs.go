package pool

import (
	"context"
	"net"
)

// What the pool does for "every address used": it tells each dial which
// remote addresses the origin's open conns already use, so that the dialer
// can pick another one, and with MinConnsPerHost it keeps a multiplexed
// origin on several conns and spreads requests over them.

type peersKey struct{}

// DialPeers returns the remote addresses of the open conns of the origin
// being dialed with ctx, taken when the dial started; nil for the first
// conn. Only a pool with Config.PassPeers set puts them there.
func DialPeers(ctx context.Context) []net.Addr {
	a, _ := ctx.Value(peersKey{}).([]net.Addr)
	return a
}

// netConner is a Conn that can give the connection it runs on, as h1.Conn
// and h2.ClientConn do.
type netConner interface {
	NetConn() net.Conn
}

// peerAddrsLocked lists the remote addresses of h's conns that still take
// requests.
func (h *host) peerAddrsLocked() []net.Addr {
	var addrs []net.Addr
	for _, pc := range h.conns {
		if pc.dead {
			continue
		}
		if nc, ok := pc.c.(netConner); ok {
			if c := nc.NetConn(); c != nil {
				addrs = append(addrs, c.RemoteAddr())
			}
		}
	}
	return addrs
}

// withPeersLocked adds h's peer addresses to a dial's ctx when asked to.
func (p *Pool) withPeersLocked(ctx context.Context, h *host) context.Context {
	if !p.cfg.PassPeers || len(h.conns) == 0 {
		return ctx
	}
	return context.WithValue(ctx, peersKey{}, h.peerAddrsLocked())
}

// fillMinLocked dials one more conn for a multiplexed origin that has fewer
// than MinConnsPerHost usable ones, one dial at a time and within
// MaxConnsPerHost. The dial serves no request in particular: it carries no
// request's values, and its conn takes whatever comes next.
func (p *Pool) fillMinLocked(h *host, a *after) {
	if p.cfg.MinConnsPerHost <= 1 || h.proto != protoH2 || !h.key.MayMultiplex || len(h.dials) > 0 {
		return
	}
	usable := 0
	for _, pc := range h.mux {
		if !pc.dead {
			usable++
		}
	}
	if usable == 0 || usable >= p.cfg.MinConnsPerHost || !h.underLimitLocked(p.cfg.MaxConnsPerHost) {
		return
	}
	p.startDialLocked(h, context.Background(), a)
}

// spreadStart is where reserveMuxLocked starts looking, so that conns
// equally loaded take turns when the origin keeps several on purpose.
func (h *host) spreadStart(n int) int {
	if !h.spread || n < 2 {
		return 0
	}
	h.turn++
	return int(h.turn % uint64(n))
}
