package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTheLongPathGoalIsJudgedOnPlexsFirstDownload(t *testing.T) {
	for _, tc := range []struct {
		plex []float64
		want string
		met  bool
	}{
		{[]float64{840, 990}, "84% (x-net 60%)", false}, // a later download does not count
		{[]float64{850, 600}, "85% (x-net 60%)", true},
	} {
		cells := shapedCells([]string{"go"}, false)
		res := map[string][]Result{}
		for _, c := range cells {
			switch c.client {
			case "plex":
				res[c.key()] = []Result{{Requests: 2, RequestMbps: tc.plex}}
			case "x-net":
				res[c.key()] = []Result{{Requests: 2, RequestMbps: []float64{600, 650}}}
			}
		}
		v, ok := shapedGoal(finderFor(cells, res, "go"))
		require.Equal(t, tc.want, v)
		require.Equal(t, tc.met, ok)
		v, _ = shapedGoal(finderFor(cells, res, "nginx"))
		require.Equal(t, "0.0", v, "no cells on nginx: reported as not run")
	}
}

func TestH2loadsLongPathRateIsItsWholeRun(t *testing.T) {
	rs := []Result{{Requests: 2, MBPerSec: 110}}
	require.Equal(t, 880.0, downloadMbps(rs, 0))
	require.Equal(t, 880.0, downloadMbps(rs, -1))
	require.Equal(t, 700.0, downloadMbps([]Result{{Requests: 2, RequestMbps: []float64{500, 700}}}, -1))
}

func TestQuickRunsTheLongPathOnGosServerOnly(t *testing.T) {
	var servers []string
	for _, c := range buildMatrix([]string{"nginx", "go"}, true) {
		if c.workload == wShaped {
			require.Equal(t, shapedDownloads, c.count)
			servers = append(servers, c.server)
		}
	}
	require.Equal(t, []string{"go", "go", "go"}, servers)
}

func TestTheLongPathTableShowsBothDownloadsAsShareOfTheLink(t *testing.T) {
	cells := shapedCells([]string{"go"}, false)
	res := map[string][]Result{cells[0].key(): {{Requests: 2, RequestMbps: []float64{128, 119}, CPUMicros: 433000}}}
	var buf bytes.Buffer
	writeShapedTable(&buf, &config{}, cells, res)
	require.Contains(t, buf.String(), "| plex | h2, 1 in flight on 1 conn(s) | 128 | 13% | 119 | 12% | 433 |")
}
