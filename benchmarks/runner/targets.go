package main

import (
	"fmt"
	"io"
)

// target is one goal of the project, judged on one server's cells.
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
		r := ratio(idle(f("plex", "h2", true, wIdle, 0, 0)), idle(f("x-net", "h2", true, wIdle, 0, 0)))
		return fmt.Sprintf("%.2f×", r), r > 0 && r <= 1
	}},
}

type finder = func(client, proto string, tls bool, wl string, inFlight, conns int) []Result

func cpu(rs []Result) float64  { return median(rs, func(r Result) float64 { return r.CPUMicros }) }
func mbps(rs []Result) float64 { return median(rs, func(r Result) float64 { return r.MBPerSec }) }
func idle(rs []Result) float64 { return median(rs, func(r Result) float64 { return r.IdleConnKiB }) }

// writeTargets judges the project's targets on each server's cells; a
// target whose cells were not run is left out.
func writeTargets(w io.Writer, cells []cell, res map[string][]Result) {
	fmt.Fprintln(w, "## Targets")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | nginx | Go server |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, t := range targets {
		line := "| " + t.goal
		any := false
		for _, s := range []string{"nginx", "go"} {
			v, ok := t.value(finderFor(cells, res, s))
			if v == "0.00×" || v == "0.0" {
				line += " | not run"
				continue
			}
			any = true
			mark := "missed"
			if ok {
				mark = "met"
			}
			line += fmt.Sprintf(" | %s %s", v, mark)
		}
		if any {
			fmt.Fprintln(w, line+" |")
		}
	}
	fmt.Fprintln(w)
}

// finderFor looks up the results of server s's cells.
func finderFor(cells []cell, res map[string][]Result, s string) finder {
	return func(client, proto string, tls bool, wl string, inFlight, conns int) []Result {
		for _, c := range cells {
			if c.server == s && c.client == client && c.proto == proto && c.tls == tls && c.workload == wl &&
				(wl == wIdle || c.inFlight == inFlight && c.conns == conns) {
				return res[c.key()]
			}
		}
		return nil
	}
}
