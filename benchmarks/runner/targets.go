package main

import (
	"fmt"
	"io"
)

// target is one goal of the project, judged on one server's cells. value
// must look up every cell it needs whatever it finds: quick runs keep the
// cells the lookups ask for.
type target struct {
	goal  string
	value func(find func(client, proto string, tls bool, wl string, inFlight, conns int) []Result) (string, bool)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

var targets = []target{
	{"h2 small GET, 256 streams on 1 conn: plex CPU/req ≤ 0.5× x-net's", func(f finder) (string, bool) {
		r := ratio(cpu(f("plex", "h2", true, wSmall, 256, 1)), cpu(f("x-net", "h2", true, wSmall, 256, 1)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 0.5
	}},
	{"h2 small GET, 256 streams on 1 conn: plex CPU/req ≤ 2× h2load's", func(f finder) (string, bool) {
		r := ratio(cpu(f("plex", "h2", true, wSmall, 256, 1)), cpu(f("h2load", "h2", true, wSmall, 256, 1)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 2
	}},
	{"HTTP/1.1 small GET (TLS, 256 in flight): plex CPU/req ≤ fasthttp's", func(f finder) (string, bool) {
		r := ratio(cpu(f("plex", "h1", true, wSmall, 256, 1)), cpu(f("fasthttp", "h1", true, wSmall, 256, 1)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 1
	}},
	{"HTTP/1.1 small GET (cleartext, 256 in flight): plex CPU/req ≤ fasthttp's", func(f finder) (string, bool) {
		r := ratio(cpu(f("plex", "h1", false, wSmall, 256, 1)), cpu(f("fasthttp", "h1", false, wSmall, 256, 1)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 1
	}},
	{"HTTP/1.1 small GET: plex allocs/req ≤ 5", func(f finder) (string, bool) {
		a := median(f("plex", "h1", true, wSmall, 256, 1), func(r Result) float64 { return r.Allocs })
		return fmt.Sprintf("%.1f", a), a > 0 && a <= 5
	}},
	{"h2 small GET: plex allocs/req ≤ 10", func(f finder) (string, bool) {
		a := median(f("plex", "h2", true, wSmall, 256, 1), func(r Result) float64 { return r.Allocs })
		return fmt.Sprintf("%.1f", a), a > 0 && a <= 10
	}},
	{"h2 1 MiB download: plex MB/s ≥ 1.5× x-net's", func(f finder) (string, bool) {
		r := ratio(mbps(f("plex", "h2", true, wDownload, 8, 1)), mbps(f("x-net", "h2", true, wDownload, 8, 1)))
		return fmt.Sprintf("%.2f×", r), r >= 1.5
	}},
	{"h2 1 MiB upload: plex MB/s ≥ 1.5× x-net's", func(f finder) (string, bool) {
		r := ratio(mbps(f("plex", "h2", true, wUpload, 8, 1)), mbps(f("x-net", "h2", true, wUpload, 8, 1)))
		return fmt.Sprintf("%.2f×", r), r >= 1.5
	}},
	{"idle HTTP/1.1 connection: plex memory ≤ net/http's", func(f finder) (string, bool) {
		r := ratio(idle(f("plex", "h1", true, wIdle, 0, 0)), idle(f("net-http", "h1", true, wIdle, 0, 0)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 1
	}},
	{"one h2 stream, 256 MiB over 50 ms RTT, 1 Gbit/s: plex ≥ 85% of the link", shapedGoal},
	{"idle h2 connection: plex memory ≤ x-net's (net/http's HTTP/2)", func(f finder) (string, bool) {
		r := ratio(idle(f("plex", "h2", true, wIdle, 100, 0)), idle(f("x-net", "h2", true, wIdle, 100, 0)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 1
	}},
	cpuAtMost("HTTP/1.1 1 MiB download (cleartext, 8 in flight): plex CPU/req ≤ fasthttp's",
		"fasthttp", "h1", false, wDownload, 8, 1, 1),
	cpuAtMost("HTTP/1.1 1 MiB download (TLS, 8 in flight): plex CPU/req ≤ fasthttp's",
		"fasthttp", "h1", true, wDownload, 8, 1, 1),
	cpuAtMost("HTTP/1.1 1 MiB upload (cleartext, 8 in flight): plex CPU/req ≤ fasthttp's",
		"fasthttp", "h1", false, wUpload, 8, 1, 1),
	cpuAtMost("HTTP/1.1 1 MiB upload (TLS, 8 in flight): plex CPU/req ≤ fasthttp's",
		"fasthttp", "h1", true, wUpload, 8, 1, 1),
	cpuAtMost("HTTP/1.1 small GET (cleartext, 256 in flight): plex CPU/req ≤ 1.1× fasthttp's",
		"fasthttp", "h1", false, wSmall, 256, 1, 1.1),
	cpuAtMost("h2 small GET (TLS, 1 in flight): plex CPU/req ≤ 1.3× h2load's",
		"h2load", "h2", true, wSmall, 1, 1, 1.3),
	cpuAtMost("h2c small GET (1 in flight): plex CPU/req ≤ 1.3× h2load's",
		"h2load", "h2c", false, wSmall, 1, 1, 1.3),
	fewerWakeups("h2 small GET (TLS, 1 in flight): plex wake-ups/req < x-net's", "h2", true),
	fewerWakeups("h2c small GET (1 in flight): plex wake-ups/req < x-net's", "h2c", false),
	{fmt.Sprintf("1,000 idle h2 connections: plex memory ≤ %.2f× x-net's (today's %.2f× and its spread)", idleH2Limit, idleH2Today), func(f finder) (string, bool) {
		p, x := idle(f("plex", "h2", true, wIdle, 1000, 0)), idle(f("x-net", "h2", true, wIdle, 1000, 0))
		r := ratio(p, x)
		return fmt.Sprintf("%.1f KiB/conn, %.2f×", p, r), r > 0 && r <= idleH2Limit
	}},
}

// What 1,000 idle h2 connections of plex held next to x-net's before the
// work on the targets above, at commit 1ec2578 on the suite's machine: plex
// 30-34 KiB per connection and x-net 35-40, moving together from run to
// run, so the ratio in one run is the steadier figure: median 0.85 over 9
// runs, from 0.81 to 0.90. The limit is the top of that spread, so that a
// run is judged missed only when the memory has grown.
const (
	idleH2Today = 0.85
	idleH2Limit = 0.90
)

// cpuAtMost is the target "plex's CPU per request is at most limit times
// the reference client's" on one cell.
func cpuAtMost(goal, ref, proto string, tls bool, wl string, inFlight, conns int, limit float64) target {
	return target{goal, func(f finder) (string, bool) {
		r := ratio(cpu(f("plex", proto, tls, wl, inFlight, conns)), cpu(f(ref, proto, tls, wl, inFlight, conns)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= limit
	}}
}

// fewerWakeups is the target "plex sleeps and is woken fewer times per
// request than x-net" for one request in flight on one connection.
func fewerWakeups(goal, proto string, tls bool) target {
	return target{goal, func(f finder) (string, bool) {
		p, x := wakeups(f("plex", proto, tls, wSmall, 1, 1)), wakeups(f("x-net", proto, tls, wSmall, 1, 1))
		return fmt.Sprintf("%.2f vs %.2f (%.3f×)", p, x, ratio(p, x)), p > 0 && p < x
	}}
}

// report is a figure the targets table shows without judging it.
type report struct {
	what  string
	value func(finder) string
}

var reports = []report{
	{"10k requests in flight over one client (h2): memory per stream, p99, plex vs x-net", func(f finder) string {
		p, x := f("plex", "h2", true, wMany, manyInFlight, 0), f("x-net", "h2", true, wMany, manyInFlight, 0)
		return fmt.Sprintf("plex %.1f KiB, %s; x-net %.1f KiB, %s",
			streamKiB(p), micros(true, p99(p)), streamKiB(x), micros(true, p99(x)))
	}},
}

type finder = func(client, proto string, tls bool, wl string, inFlight, conns int) []Result

func cpu(rs []Result) float64     { return median(rs, func(r Result) float64 { return r.CPUMicros }) }
func mbps(rs []Result) float64    { return median(rs, func(r Result) float64 { return r.MBPerSec }) }
func idle(rs []Result) float64    { return median(rs, func(r Result) float64 { return r.IdleConnKiB }) }
func wakeups(rs []Result) float64 { return median(rs, func(r Result) float64 { return r.Vcsw }) }
func p99(rs []Result) float64     { return median(rs, func(r Result) float64 { return r.P99Micros }) }
func streamKiB(rs []Result) float64 {
	return median(rs, func(r Result) float64 { return r.StreamKiB })
}

// writeTargets judges the project's targets on each server's cells, and
// shows the reports beside them unjudged. A server on which some cell of a
// target was not run shows "not run", one on which such a cell measured
// nothing "failed"; a target run on no server is left out.
func writeTargets(w io.Writer, cells []cell, res map[string][]Result) {
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | nginx | Go server |")
	fmt.Fprintln(w, "|---|---|---|")
	row := func(goal string, judged bool, value func(finder) (string, bool)) {
		line := "| " + goal
		any := false
		for _, s := range []string{"nginx", "go"} {
			f, look := checkLookups(finderFor(cells, res, s))
			v, ok := value(f)
			switch {
			case look.notRun:
				line += " | not run"
				continue
			case look.failed:
				v = "failed"
			case !judged:
			case ok:
				v += " met"
			default:
				v += " missed"
			}
			any = true
			line += " | " + v
		}
		if any {
			fmt.Fprintln(w, line+" |")
		}
	}
	for _, t := range targets {
		row(t.goal, true, t.value)
	}
	for _, r := range reports {
		row(r.what+" (reported)", false, func(f finder) (string, bool) { return r.value(f), true })
	}
	fmt.Fprintln(w)
}

// lookups says what the cells a target asked for held.
type lookups struct {
	notRun bool // some cell is not in this run
	failed bool // some cell has no round that completed a request
}

// checkLookups wraps f so as to note in the returned lookups what every
// lookup found.
func checkLookups(f finder) (finder, *lookups) {
	look := &lookups{}
	return func(client, proto string, tls bool, wl string, inFlight, conns int) []Result {
		rs := f(client, proto, tls, wl, inFlight, conns)
		ran := false
		for _, r := range rs {
			ran = ran || r.Requests > 0
		}
		switch {
		case rs == nil:
			look.notRun = true
		case !ran:
			look.failed = true
		}
		return rs
	}, look
}

// finderFor looks up the results of server s's cells.
func finderFor(cells []cell, res map[string][]Result, s string) finder {
	return func(client, proto string, tls bool, wl string, inFlight, conns int) []Result {
		if c, ok := findCell(cells, s, client, proto, tls, wl, inFlight, conns); ok {
			return res[c.key()]
		}
		return nil
	}
}

// findCell finds server s's cell. For the idle-memory workload inFlight is
// the number of idle connections, 0 for the first listed.
func findCell(cells []cell, s, client, proto string, tls bool, wl string, inFlight, conns int) (cell, bool) {
	for _, c := range cells {
		if c.server != s || c.client != client || c.proto != proto || c.tls != tls || c.workload != wl {
			continue
		}
		if wl == wIdle && (inFlight == 0 || c.idle == inFlight) || wl != wIdle && c.inFlight == inFlight && c.conns == conns {
			return c, true
		}
	}
	return cell{}, false
}
