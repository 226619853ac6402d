package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/plexhttp/plex"
)

// connEvents counts the connection events of a run's clients, so that the
// report says why connections came and went.
type connEvents struct {
	opened, goaways, resetsSent, resetsReceived, retries atomic.Int64
	closed                                               [plex.NumCloseReasons]atomic.Int64
}

func (e *connEvents) listener() *plex.EventListener {
	return &plex.EventListener{
		ConnOpened:     func(plex.ConnOpened) { e.opened.Add(1) },
		ConnClosed:     func(c plex.ConnClosed) { e.closed[c.Reason].Add(1) },
		GoAwayReceived: func(plex.GoAwayReceived) { e.goaways.Add(1) },
		StreamReset: func(r plex.StreamReset) {
			if r.Sent {
				e.resetsSent.Add(1)
			} else {
				e.resetsReceived.Add(1)
			}
		},
		RetryDecided: func(plex.RetryDecided) { e.retries.Add(1) },
	}
}

// connSummary is what the events and the clients' OriginStats showed at
// the end of a run.
type connSummary struct {
	Opened         int64            `json:"opened"`
	Closed         map[string]int64 `json:"closed"`
	GoAways        int64            `json:"goaways"`
	ResetsSent     int64            `json:"resets_sent"`
	ResetsReceived int64            `json:"resets_received"`
	Retries        int64            `json:"retries"`
	Origins        []originJSON     `json:"origins"`
}

// originJSON is plex.OriginStats for -o json, summed over a run's clients.
type originJSON struct {
	Origin         string            `json:"origin"`
	HTTP1Conns     int               `json:"http1_conns"`
	HTTP1IdleConns int               `json:"http1_idle_conns"`
	HTTP2Conns     int               `json:"http2_conns"`
	HTTP2IdleConns int               `json:"http2_idle_conns"`
	Dialing        int               `json:"dialing"`
	InFlight       int               `json:"in_flight"`
	Waiting        int               `json:"waiting"`
	Dials          uint64            `json:"dials"`
	DialErrors     uint64            `json:"dial_errors"`
	Reuses         uint64            `json:"reuses"`
	Expired        uint64            `json:"expired"`
	Requests       uint64            `json:"requests"`
	Retries        uint64            `json:"retries"`
	Closed         map[string]uint64 `json:"closed"`
}

func (e *connEvents) summary(clients []*plex.Client) *connSummary {
	s := &connSummary{
		Opened: e.opened.Load(), Closed: map[string]int64{}, GoAways: e.goaways.Load(),
		ResetsSent: e.resetsSent.Load(), ResetsReceived: e.resetsReceived.Load(), Retries: e.retries.Load(),
	}
	for r := range e.closed {
		if n := e.closed[r].Load(); n > 0 {
			s.Closed[plex.CloseReason(r).String()] = n
		}
	}
	byOrigin := map[string]*originJSON{}
	for _, c := range clients {
		for _, st := range c.OriginStats() {
			o := byOrigin[st.Origin.String()]
			if o == nil {
				o = &originJSON{Origin: st.Origin.String(), Closed: map[string]uint64{}}
				byOrigin[o.Origin] = o
			}
			o.HTTP1Conns += st.HTTP1Conns
			o.HTTP1IdleConns += st.HTTP1IdleConns
			o.HTTP2Conns += st.HTTP2Conns
			o.HTTP2IdleConns += st.HTTP2IdleConns
			o.Dialing += st.Dialing
			o.InFlight += st.InFlight
			o.Waiting += st.Waiting
			o.Dials += st.Dials
			o.DialErrors += st.DialErrors
			o.Reuses += st.Reuses
			o.Expired += st.Expired
			o.Requests += st.Requests
			o.Retries += st.Retries
			for r, n := range st.Closed {
				if n > 0 {
					o.Closed[plex.CloseReason(r).String()] += n
				}
			}
		}
	}
	for _, o := range byOrigin {
		s.Origins = append(s.Origins, *o)
	}
	slices.SortFunc(s.Origins, func(a, b originJSON) int { return strings.Compare(a.Origin, b.Origin) })
	return s
}

// printConnSummary adds the connection lines to a text report.
func printConnSummary(w io.Writer, s *connSummary) {
	var closed []string
	var total int64
	for reason, n := range s.Closed {
		closed = append(closed, fmt.Sprintf("%d× %s", n, reason))
		total += n
	}
	sort.Strings(closed)
	line := fmt.Sprintf("  connections: %d opened, %d closed", s.Opened, total)
	if len(closed) > 0 {
		line += " (" + strings.Join(closed, ", ") + ")"
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "  http/2:      %d GOAWAY received, %d streams reset by the server, %d by us; %d retries\n",
		s.GoAways, s.ResetsReceived, s.ResetsSent, s.Retries)
}
