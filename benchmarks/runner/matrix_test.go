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

func TestEveryTargetHasItsCellsInQuickMode(t *testing.T) {
	cells := buildMatrix([]string{"nginx", "go"}, true)
	res := map[string][]Result{}
	for _, c := range cells {
		res[c.key()] = []Result{{Requests: 1, CPUMicros: 1, Allocs: 1, MBPerSec: 1, IdleConnKiB: 1}}
	}
	for _, tg := range targets {
		for _, s := range []string{"nginx", "go"} {
			v, _ := tg.value(finderFor(cells, res, s))
			if s == "nginx" && (tg.goal[:4] == "idle" || strings.Contains(tg.goal, "50 ms RTT")) {
				continue // idle memory and the long path are measured against Go's server only
			}
			require.NotContains(t, []string{"0.00×", "0.0"}, v, "%s on %s", tg.goal, s)
		}
	}
}

func TestMedianSkipsFailedRounds(t *testing.T) {
	rs := []Result{{Requests: 1, CPUMicros: 3}, {Requests: 0, CPUMicros: 100}, {Requests: 1, CPUMicros: 1}, {Requests: 1, CPUMicros: 2}}
	require.Equal(t, 2.0, cpu(rs))
	require.Equal(t, 1.5, cpu(rs[2:]))
	require.Zero(t, cpu(nil))
}
