package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatrixCellsAreDistinct(t *testing.T) {
	for _, quick := range []bool{false, true} {
		seen := map[string]bool{}
		for _, c := range buildMatrix([]string{"nginx", "go"}, quick) {
			require.False(t, seen[c.key()], "cell %s listed twice", c.key())
			seen[c.key()] = true
		}
	}
}

// fakeResults gives every cell one round with every figure set.
func fakeResults(cells []cell) map[string][]Result {
	res := map[string][]Result{}
	for _, c := range cells {
		res[c.key()] = []Result{{Requests: 1, CPUMicros: 1, Allocs: 1, MBPerSec: 1, IdleConnKiB: 1, Vcsw: 1, StreamKiB: 1, P99Micros: 1}}
	}
	return res
}

func TestEveryTargetHasItsCellsInQuickMode(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, true)
	res := fakeResults(cells)
	check := func(what string, judge func(finder)) {
		for _, s := range []string{"nginx", "go"} {
			f, look := checkLookups(finderFor(cells, res, s))
			judge(f)
			if s == "nginx" && (strings.Contains(what, "idle") || strings.Contains(what, "50 ms RTT")) {
				// Idle memory, and in quick runs the long path, are
				// measured against Go's server only.
				require.True(t, look.notRun, "%s on nginx", what)
				continue
			}
			require.False(t, look.notRun, "%s on %s", what, s)
			require.False(t, look.failed, "%s on %s", what, s)
		}
	}
	for _, tg := range targets {
		check(tg.goal, func(f finder) { tg.value(f) })
	}
	for _, r := range reports {
		check(r.what, func(f finder) { r.value(f) })
	}
}

func TestQuickModeKeepsOnlyTheJudgedCells(t *testing.T) {
	full := map[string]bool{}
	for _, c := range buildMatrix([]string{"nginx", "go"}, false) {
		full[c.key()] = true
	}
	quick := map[string]bool{}
	for _, c := range buildMatrix([]string{"nginx", "go"}, true) {
		require.True(t, full[c.key()], "quick cell %s is not in the full matrix", c.key())
		quick[c.key()] = true
	}
	for _, want := range []cell{
		{workload: wDownload, server: "nginx", client: "plex", proto: "h1", tls: false, inFlight: 8, conns: 1},
		{workload: wUpload, server: "go", client: "fasthttp", proto: "h1", tls: true, inFlight: 8, conns: 1},
		{workload: wSmall, server: "nginx", client: "h2load", proto: "h2c", inFlight: 1, conns: 1},
		{workload: wSmall, server: "go", client: "x-net", proto: "h2", tls: true, inFlight: 1, conns: 1},
		{workload: wMany, server: "nginx", client: "x-net", proto: "h2", tls: true, inFlight: manyInFlight, conns: 0},
		{workload: wIdle, server: "go", client: "plex", proto: "h2", tls: true, idle: 1000},
	} {
		require.True(t, quick[want.key()], "quick run lacks %s", want.key())
	}
	for _, unwanted := range []cell{ // cells of the full matrix that no target reads
		{workload: wSmall, server: "nginx", client: "net-http", proto: "h1", tls: true, inFlight: 256, conns: 1},
		{workload: wSmall, server: "go", client: "plex", proto: "h2c", inFlight: 256, conns: 1},
		{workload: wDownload, server: "nginx", client: "h2load", proto: "h1", tls: true, inFlight: 8, conns: 1},
	} {
		require.True(t, full[unwanted.key()], "full matrix lacks %s", unwanted.key())
		require.False(t, quick[unwanted.key()], "quick run has %s, which no target needs", unwanted.key())
	}
}

func TestFullMatrixHasTheNewCells(t *testing.T) {
	full := map[string]bool{}
	for _, c := range buildMatrix([]string{"nginx", "go"}, false) {
		full[c.key()] = true
	}
	for _, s := range []string{"nginx", "go"} {
		for _, cl := range h1Clients {
			for _, tls := range []bool{true, false} {
				for _, wl := range []string{wDownload, wUpload} {
					c := cell{workload: wl, server: s, client: cl, proto: "h1", tls: tls, inFlight: 8, conns: 1}
					require.True(t, full[c.key()], "full matrix lacks %s", c.key())
				}
			}
		}
	}
}

func TestIdleCellsAreFoundByTheirConnections(t *testing.T) {
	cells := buildMatrix([]string{"go"}, false)
	c, ok := findCell(cells, "go", "plex", "h2", true, wIdle, 1000, 0)
	require.True(t, ok)
	require.Equal(t, 1000, c.idle)
	c, ok = findCell(cells, "go", "plex", "h2", true, wIdle, 0, 0)
	require.True(t, ok)
	require.Equal(t, 100, c.idle, "0 finds the first listed")
	_, ok = findCell(cells, "go", "plex", "h2", true, wIdle, 7, 0)
	require.False(t, ok)
}

func TestCellLabelsSayHowTheStreamsAreCarried(t *testing.T) {
	require.Equal(t, "h2, 10000 in flight, one client",
		cell{proto: "h2", tls: true, inFlight: 10000, conns: 0}.setup())
	require.Equal(t, "h2c, 1 in flight on 1 conn(s)",
		cell{proto: "h2c", inFlight: 1, conns: 1}.setup())
	require.Equal(t, "HTTP/1.1 cleartext, 8 in flight",
		cell{proto: "h1", inFlight: 8, conns: 1}.setup())
	require.Equal(t, "h2 TLS, 1000 conns",
		cell{proto: "h2", tls: true, idle: 1000}.setup())
}

func TestMedianSkipsFailedRounds(t *testing.T) {
	rs := []Result{{Requests: 1, CPUMicros: 3}, {Requests: 0, CPUMicros: 100}, {Requests: 1, CPUMicros: 1}, {Requests: 1, CPUMicros: 2}}
	require.Equal(t, 2.0, cpu(rs))
	require.Equal(t, 1.5, cpu(rs[2:]))
	require.Zero(t, cpu(nil))
}
