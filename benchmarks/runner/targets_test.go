package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// targetLine is the targets table's line for the target whose goal starts
// with prefix.
func targetLine(t *testing.T, cells []cell, res map[string][]Result, prefix string) string {
	t.Helper()
	var buf bytes.Buffer
	writeTargets(&buf, cells, res)
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(l, "| "+prefix) {
			return l
		}
	}
	return ""
}

func oneRound(cpu, vcsw float64) []Result {
	return []Result{{Requests: 100, CPUMicros: cpu, Vcsw: vcsw}}
}

func TestCPUTargetsAreJudgedAgainstTheirLimit(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, true)
	res := fakeResults(cells)
	set := func(s, client, proto string, tls bool, wl string, inFlight int, rs []Result) {
		c, ok := findCell(cells, s, client, proto, tls, wl, inFlight, 1)
		require.True(t, ok)
		res[c.key()] = rs
	}
	// 1.2× h2load's is within the 1.3× limit; 1.4× is not.
	set("nginx", "plex", "h2c", false, wSmall, 1, oneRound(60, 2))
	set("nginx", "h2load", "h2c", false, wSmall, 1, oneRound(50, 1))
	set("go", "plex", "h2c", false, wSmall, 1, oneRound(70, 3))
	set("go", "h2load", "h2c", false, wSmall, 1, oneRound(50, 1))
	require.Equal(t, "| h2c small GET (1 in flight): plex CPU/req ≤ 1.3× h2load's | 1.20× met | 1.40× missed |",
		targetLine(t, cells, res, "h2c small GET (1 in flight): plex CPU"))

	// 1.05× fasthttp's meets the 1.1× target and misses the ≤ 1× one.
	set("nginx", "plex", "h1", false, wSmall, 256, oneRound(21, 0))
	set("nginx", "fasthttp", "h1", false, wSmall, 256, oneRound(20, 0))
	require.Contains(t, targetLine(t, cells, res, "HTTP/1.1 small GET (cleartext, 256 in flight): plex CPU/req ≤ 1.1×"), "| 1.05× met |")
	require.Contains(t, targetLine(t, cells, res, "HTTP/1.1 small GET (cleartext, 256 in flight): plex CPU/req ≤ fasthttp's"), "| 1.05× missed |")
}

func TestWakeupTargetNeedsFewerThanXNet(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, true)
	res := fakeResults(cells)
	for s, v := range map[string][2]float64{"nginx": {1.7, 2.1}, "go": {2.1, 2.1}} {
		for i, cl := range []string{"plex", "x-net"} {
			c, ok := findCell(cells, s, cl, "h2", true, wSmall, 1, 1)
			require.True(t, ok)
			res[c.key()] = oneRound(50, v[i])
		}
	}
	require.Equal(t, "| h2 small GET (TLS, 1 in flight): plex wake-ups/req < x-net's | 1.70 vs 2.10 (0.810×) met | 2.10 vs 2.10 (1.000×) missed |",
		targetLine(t, cells, res, "h2 small GET (TLS, 1 in flight): plex wake-ups"))

	// Figures that round alike still show which is fewer.
	for cl, v := range map[string]float64{"plex": 2.218, "x-net": 2.224} {
		c, _ := findCell(cells, "go", cl, "h2", true, wSmall, 1, 1)
		res[c.key()] = oneRound(50, v)
	}
	require.Contains(t, targetLine(t, cells, res, "h2 small GET (TLS, 1 in flight): plex wake-ups"), "| 2.22 vs 2.22 (0.997×) met |")
}

func TestIdleTargetIsJudgedOnTheRatioToXNet(t *testing.T) {
	cells := buildMatrix([]string{"go"}, true)
	res := fakeResults(cells)
	for cl, kib := range map[string]float64{"plex": 30, "x-net": 36} {
		c, ok := findCell(cells, "go", cl, "h2", true, wIdle, 1000, 0)
		require.True(t, ok)
		res[c.key()] = []Result{{Requests: 1000, IdleConnKiB: kib}}
	}
	line := targetLine(t, cells, res, "1,000 idle h2 connections")
	require.Contains(t, line, "| not run | 30.0 KiB/conn, 0.83× met |")

	c, _ := findCell(cells, "go", "plex", "h2", true, wIdle, 1000, 0)
	res[c.key()] = []Result{{Requests: 1000, IdleConnKiB: 33}}
	require.Contains(t, targetLine(t, cells, res, "1,000 idle h2 connections"), "0.92× missed |")
}

func TestReportsAreShownUnjudged(t *testing.T) {
	cells := buildMatrix([]string{"nginx"}, true)
	res := fakeResults(cells)
	p, _ := findCell(cells, "nginx", "plex", "h2", true, wMany, manyInFlight, 0)
	x, _ := findCell(cells, "nginx", "x-net", "h2", true, wMany, manyInFlight, 0)
	res[p.key()] = []Result{{Requests: 5, StreamKiB: 4.4, P99Micros: 1227900}}
	res[x.key()] = []Result{{Requests: 5, StreamKiB: 7.6, P99Micros: 1500}}
	require.Equal(t, "| 10k requests in flight over one client (h2): memory per stream, p99, plex vs x-net (reported) | plex 4.4 KiB, 1227.9 ms; x-net 7.6 KiB, 1.5 ms | not run |",
		targetLine(t, cells, res, "10k requests"))
}

func TestTargetsWhoseCellsFailedOrDidNotRunSaySo(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, true)
	res := fakeResults(cells)
	c, _ := findCell(cells, "nginx", "plex", "h1", true, wDownload, 8, 1)
	res[c.key()] = []Result{{FirstError: "connection refused"}}
	var kept []cell
	for _, k := range cells {
		if !(k.server == "go" && k.workload == wDownload && k.client == "fasthttp" && k.tls) {
			kept = append(kept, k)
		}
	}
	require.Equal(t, "| HTTP/1.1 1 MiB download (TLS, 8 in flight): plex CPU/req ≤ fasthttp's | failed | not run |",
		targetLine(t, kept, res, "HTTP/1.1 1 MiB download (TLS"))

	// A target run on no server is left out.
	require.Empty(t, targetLine(t, nil, res, "HTTP/1.1 1 MiB download (TLS"))
}

// judgedCells finds a quick run's cells by judging every target against a
// finder that returns nothing, so a target must ask for the same cells
// whatever its lookups return.
func TestTargetsLookUpTheSameCellsWhateverTheyFind(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, false)
	res := fakeResults(cells)
	asked := func(value func(finder), full bool) []string {
		var keys []string
		value(func(client, proto string, tls bool, wl string, inFlight, conns int) []Result {
			c, ok := findCell(cells, "go", client, proto, tls, wl, inFlight, conns)
			require.True(t, ok, "no cell %s %s %s", client, proto, wl)
			keys = append(keys, c.key())
			if full {
				return res[c.key()]
			}
			return nil
		})
		return keys
	}
	for _, tg := range targets {
		judge := func(f finder) { tg.value(f) }
		require.Equal(t, asked(judge, true), asked(judge, false), tg.goal)
	}
	for _, r := range reports {
		judge := func(f finder) { r.value(f) }
		require.Equal(t, asked(judge, true), asked(judge, false), r.what)
	}
}
