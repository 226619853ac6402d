package plex

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
