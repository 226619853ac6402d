package pool

// Stats is a snapshot of the pool's figures.
type Stats struct {
	Conns, IdleConns     int    // all open conns; those with nothing in flight
	MultiplexedConns     int    // of Conns, how many are multiplexed
	IdleMultiplexedConns int    // of IdleConns, how many are multiplexed
	Dialing              int    // dials under way
	InFlight             int    // sum of InFlight over conns
	Waiting              int    // Get calls waiting for a slot
	Dials, DialErrors    uint64 // dials finished (ok+failed), and failed
	Reuses               uint64 // Gets served by a conn that carried a request before
	Expired              uint64 // conns closed by idle expiry or idle limits
}

// Stats returns a snapshot of the pool. It visits every conn, so it suits a
// metrics exporter, not a per-request path.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{
		Waiting:    p.waiting,
		Dials:      p.counts.dials,
		DialErrors: p.counts.dialErrors,
		Reuses:     p.counts.reuses,
		Expired:    p.counts.expired,
	}
	for _, h := range p.hosts {
		s.Dialing += len(h.dials)
		for _, pc := range h.conns {
			n := pc.c.InFlight()
			s.Conns++
			s.InFlight += n
			if pc.mux {
				s.MultiplexedConns++
			}
			if n == 0 {
				s.IdleConns++
				if pc.mux {
					s.IdleMultiplexedConns++
				}
			}
		}
	}
	return s
}
