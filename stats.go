package plex

import (
	"cmp"
	"slices"
	"strings"
)

// Stats is a snapshot of a Client's pool and request counters.
type Stats struct {
	HTTP1Conns     int // open HTTP/1.1 connections
	HTTP1IdleConns int // of those, carrying nothing now
	HTTP2Conns     int // open HTTP/2 connections (TLS or h2c)
	HTTP2IdleConns int // of those, with no open stream
	Dialing        int // connections being dialed
	InFlight       int // requests on connections now: HTTP/1.1 exchanges plus HTTP/2 streams
	Waiting        int // requests waiting for a connection or a stream slot

	Dials      uint64 // dials finished, successful or not
	DialErrors uint64 // dials that failed
	Reuses     uint64 // requests carried on a connection that had carried one before
	Expired    uint64 // idle connections closed by IdleConnTimeout or the idle limits
	Requests   uint64 // RoundTrip calls that reached the pool
	Retries    uint64 // requests sent again after a failure that proved it safe
}

// Stats returns a snapshot of the pool and request counters. It is cheap
// enough to call once a second from a metrics exporter.
func (c *Client) Stats() Stats {
	ps := c.pool.Stats()
	return Stats{
		HTTP1Conns:     ps.Conns - ps.MultiplexedConns,
		HTTP1IdleConns: ps.IdleConns - ps.IdleMultiplexedConns,
		HTTP2Conns:     ps.MultiplexedConns,
		HTTP2IdleConns: ps.IdleMultiplexedConns,
		Dialing:        ps.Dialing,
		InFlight:       ps.InFlight,
		Waiting:        ps.Waiting,
		Dials:          ps.Dials,
		DialErrors:     ps.DialErrors,
		Reuses:         ps.Reuses,
		Expired:        ps.Expired,
		Requests:       c.requests.Load(),
		Retries:        c.retries.Load(),
	}
}

// OriginStats is Stats for one origin (scheme://host:port), over all its
// connections whether direct or through a proxy, plus the closes by reason.
// Counters run from the Client's start: an origin keeps its figures while
// it has no connection, so a scrape never sees them go back.
type OriginStats struct {
	Origin         Origin
	HTTP1Conns     int
	HTTP1IdleConns int
	HTTP2Conns     int
	HTTP2IdleConns int
	Dialing        int
	InFlight       int
	Waiting        int

	Dials      uint64
	DialErrors uint64
	Reuses     uint64
	Expired    uint64
	Requests   uint64 // requests that asked the pool for a connection, resends included
	Retries    uint64
	// Closed counts connections closed, by reason: Closed[CloseIdleTimeout]
	// and so on.
	Closed [NumCloseReasons]uint64
}

// OriginStats returns one OriginStats per origin the Client has sent
// requests to, sorted by origin. Like Stats it takes the pool's lock once;
// it allocates the returned slice and little else, so it may be called
// every second.
func (c *Client) OriginStats() []OriginStats {
	ps := c.pool.OriginStats()
	out := make([]OriginStats, len(ps))
	for i, s := range ps {
		out[i] = OriginStats{
			Origin:         s.Origin,
			HTTP1Conns:     s.Conns - s.MultiplexedConns,
			HTTP1IdleConns: s.IdleConns - s.IdleMultiplexedConns,
			HTTP2Conns:     s.MultiplexedConns,
			HTTP2IdleConns: s.IdleMultiplexedConns,
			Dialing:        s.Dialing,
			InFlight:       s.InFlight,
			Waiting:        s.Waiting,
			Dials:          s.Dials,
			DialErrors:     s.DialErrors,
			Reuses:         s.Reuses,
			Expired:        s.Expired,
			Requests:       s.Requests,
			Retries:        s.Retries,
			Closed:         s.Closed,
		}
	}
	slices.SortFunc(out, func(a, b OriginStats) int {
		return cmp.Or(strings.Compare(a.Origin.Scheme, b.Origin.Scheme), strings.Compare(a.Origin.Addr, b.Origin.Addr))
	})
	return out
}
