package main

import (
	"bytes"
	"debug/buildinfo"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLibraryVersionsComeFromTheClientBinary(t *testing.T) {
	info := &buildinfo.BuildInfo{Deps: []*debug.Module{
		{Path: "github.com/plexhttp/plex", Version: "(devel)"},
		{Path: "github.com/valyala/fasthttp", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
		{Path: "golang.org/x/net", Version: "v0.62.0"},
		{Path: "golang.org/x/text", Version: "v0.43.0"},
	}}
	require.Equal(t, []string{
		"golang.org/x/net v0.62.0",
		"github.com/valyala/fasthttp v1.0.1",
	}, libraryVersions(info))
}

func TestARoundThatMeasuredNothingCountsAsAFailure(t *testing.T) {
	n, first := failures([]Result{{Requests: 10}, {Requests: 0}})
	require.Equal(t, int64(1), n)
	require.Equal(t, "no request completed", first)

	n, first = failures([]Result{{Requests: 10, Failed: 2, FirstError: "reset"}, {FirstError: "refused"}})
	require.Equal(t, int64(3), n)
	require.Equal(t, "reset", first)
}

func TestLoadTableShowsWakeupsAndMemoryPerStream(t *testing.T) {
	c := cell{workload: wMany, server: "go", client: "plex", proto: "h2", tls: true, inFlight: manyInFlight}
	h := cell{workload: wMany, server: "go", client: "h2load", proto: "h2", tls: true, inFlight: manyInFlight, conns: 10}
	res := map[string][]Result{
		c.key(): {{Requests: 100, ReqPerSec: 50000, CPUMicros: 12.5, Vcsw: 0.25, Ivcsw: 0.5, StreamKiB: 4.4, P50Micros: 900, P99Micros: 2500}},
		h.key(): {{Requests: 100, ReqPerSec: 60000, CPUMicros: 10, Vcsw: 1}},
	}
	var buf bytes.Buffer
	writeLoadTable(&buf, []cell{c, h}, res, true)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	require.Contains(t, lines[0], "| wake-ups/req | preempted/req |")
	require.Contains(t, lines[0], "| KiB/stream |")
	require.Equal(t, "| plex | h2, 10000 in flight, one client | 50000 | 12.5 | 0.25 | 0.50 | 0.0 | 0 | 900 µs | 2.5 ms | 0 | 0 | 4.4 | 0 |", lines[2])
	require.Equal(t, "| h2load | h2, 10000 in flight on 10 conn(s) | 60000 | 10.0 | 1.00 | 0.00 | – | – | – | – | 0 | 0 | – | 0 |", lines[3])

	buf.Reset()
	writeLoadTable(&buf, []cell{c}, res, false)
	require.NotContains(t, buf.String(), "KiB/stream")
	require.Equal(t, strings.Count(strings.Split(buf.String(), "\n")[0], "|"), strings.Count(strings.Split(buf.String(), "\n")[2], "|"))
}
