package pool

import "github.com/plexhttp/plex/internal/event"

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
	RetriesRefused       uint64 // resends the retry budget refused
}

// Stats returns a snapshot of the pool. It visits every conn and every
// origin the pool ever had, so it suits a metrics exporter, not a
// per-request path.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{Waiting: p.waiting}
	for _, c := range p.origins {
		s.Dials += c.dials
		s.DialErrors += c.dialErrors
		s.Reuses += c.reuses
		s.Expired += c.expired
		s.RetriesRefused += c.budgetRefused
	}
	for _, h := range p.hosts {
		countConns(h, &s.Conns, &s.IdleConns, &s.MultiplexedConns, &s.IdleMultiplexedConns, &s.Dialing, &s.InFlight)
	}
	return s
}

// countConns adds h's dials and conns to the figures Stats and OriginStats
// share. The caller holds p.mu.
func countConns(h *host, conns, idle, mux, idleMux, dialing, inFlight *int) {
	*dialing += len(h.dials)
	for _, pc := range h.conns {
		n := pc.c.InFlight()
		*conns++
		*inFlight += n
		if pc.mux {
			*mux++
		}
		if n == 0 {
			*idle++
			if pc.mux {
				*idleMux++
			}
		}
	}
}

// OriginStats is the Stats of one origin (scheme and host:port), over all
// its keys (direct or through proxies, multiplexing or not). Counters run
// from the pool's start, whether or not the origin had conns all along.
type OriginStats struct {
	Origin               event.Origin
	Conns, IdleConns     int
	MultiplexedConns     int
	IdleMultiplexedConns int
	Dialing              int
	InFlight             int
	Waiting              int
	Dials, DialErrors    uint64
	Reuses               uint64
	Expired              uint64
	Requests             uint64 // Get calls for the origin
	Retries              uint64 // counted by NoteRetry
	Closed               [event.NumCloseReasons]uint64
	RetriesRefused       uint64 // resends the retry budget refused
	RetryBudgetLeft      int    // resends the retry budget allows now; -1 without a budget
}

// OriginStats returns one OriginStats per origin the pool ever had, in no
// particular order. Like Stats it takes the pool lock once and visits every
// conn; it allocates the returned slice and an index of it by origin.
func (p *Pool) OriginStats() []OriginStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]OriginStats, 0, len(p.origins))
	index := make(map[event.Origin]int, len(p.origins))
	for o, c := range p.origins {
		index[o] = len(out)
		out = append(out, OriginStats{
			Origin: o, Dials: c.dials, DialErrors: c.dialErrors, Reuses: c.reuses,
			Expired: c.expired, Requests: c.gets, Retries: c.retries, Closed: c.closed,
			RetriesRefused: c.budgetRefused, RetryBudgetLeft: p.budgetLeftLocked(c),
		})
	}
	for _, h := range p.hosts {
		s := &out[index[h.origin()]]
		s.Waiting += h.waiters.n
		countConns(h, &s.Conns, &s.IdleConns, &s.MultiplexedConns, &s.IdleMultiplexedConns, &s.Dialing, &s.InFlight)
	}
	return out
}

// NoteRetry counts a resend of a request for key in its origin's Retries.
func (p *Pool) NoteRetry(key Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.origins[originOf(key)]; c != nil {
		c.retries++
	}
}
