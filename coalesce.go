package plex

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/pool"
)

// errMisdirected is why a request that met 421 (Misdirected Request) on a
// coalesced connection is sent again.
var errMisdirected = errors.New("misdirected: 421 on a connection opened for another origin")

// coalesce is the pool's CoalesceFunc (WithConnectionCoalescing): it picks
// the first of conns whose verified certificate covers key's host and
// whose remote address is one key's host resolves to, port included. The
// certificates are checked first, so that a name is looked up only when a
// connection could serve it.
func (c *Client) coalesce(ctx context.Context, key pool.Key, conns []pool.Conn) int {
	host, portText, err := net.SplitHostPort(key.Addr)
	if err != nil {
		return -1
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return -1
	}
	type candidate struct {
		i    int
		addr netip.Addr
	}
	var cands []candidate
	for i, conn := range conns {
		nc := netConnOf(conn)
		if nc == nil {
			continue
		}
		ra, err := netip.ParseAddrPort(nc.RemoteAddr().String())
		if err != nil || uint64(ra.Port()) != port {
			continue
		}
		ts, ok := nc.(interface{ ConnectionState() tls.ConnectionState })
		if !ok {
			continue
		}
		cs := ts.ConnectionState()
		if len(cs.VerifiedChains) == 0 || len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].VerifyHostname(host) != nil {
			continue
		}
		cands = append(cands, candidate{i, ra.Addr().Unmap()})
	}
	if len(cands) == 0 {
		return -1
	}
	ips, err := c.lookup(ctx, host)
	if err != nil {
		return -1
	}
	for _, cand := range cands {
		for _, ip := range ips {
			if ip.Unmap() == cand.addr {
				return cand.i
			}
		}
	}
	return -1
}

// lookup resolves host for coalescing; an IP literal is its own answer.
func (c *Client) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	d := c.cfg.dialTimeout
	if d <= 0 {
		d = alpn.DefaultDialTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lookup := c.cfg.lookup
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	return lookup(ctx, "ip", host)
}

// misdirected handles a 421 answer to req on a connection lent to key: the
// connection is lent no more, and the request to send again on a
// connection of key's own is returned, with resp drained and closed; or
// nil, leaving resp to the caller, when req cannot be sent again.
func (c *Client) misdirected(req *http.Request, key pool.Key, conn pool.Conn, resp *http.Response) *http.Request {
	c.pool.Misdirected(key, conn)
	next := c.again(req)
	if next == nil {
		return nil
	}
	// A short answer is read to its end, so that the stream closes
	// cleanly; a long one is cut off.
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	return next
}
