package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const h2loadOutput = `starting benchmark...
spawning thread #0: 1 total client(s). Timing-based test with 0.3s of warm-up time and 2s of main duration for measurements.
Warm-up started for thread #0.
progress: 100% of clients started
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 2.30s, 87000.50 req/s, 10.00MB/s
requests: 174001 total, 174001 started, 174001 done, 174000 succeeded, 1 failed, 1 errored, 0 timeout
status codes: 174000 2xx, 0 3xx, 0 4xx, 0 5xx
`

func TestH2loadSummaryIsParsed(t *testing.T) {
	res, err := parseH2load([]byte(h2loadOutput), 0)
	require.NoError(t, err)
	require.Equal(t, int64(174000), res.Requests)
	require.Equal(t, int64(1), res.Failed)
	require.InDelta(t, 87000.5, res.ReqPerSec, 1e-9)
	require.InDelta(t, 10*(1<<20)/1e6, res.MBPerSec, 1e-9)
}

func TestH2loadWindowLengthLeavesTheWarmUpOut(t *testing.T) {
	// "finished in" counts the warm-up; the rates do not.
	res, err := parseH2load([]byte(h2loadOutput), 0)
	require.NoError(t, err)
	require.InDelta(t, 2.0, res.Seconds, 0.001)
}

func TestH2loadUploadCountsTheBodiesSent(t *testing.T) {
	res, err := parseH2load([]byte("finished in 500ms, 10.00 req/s, 0B/s\nrequests: 5 total, 5 started, 5 done, 5 succeeded, 0 failed\n"), 1e6)
	require.NoError(t, err)
	require.Equal(t, 0.5, res.Seconds)
	require.InDelta(t, 10, res.MBPerSec, 1e-9)
}

func TestUnexpectedH2loadOutputIsAnError(t *testing.T) {
	_, err := parseH2load([]byte("command not found"), 0)
	require.ErrorContains(t, err, "unexpected output")
}

func TestH2loadDurationsAreWrittenInMilliseconds(t *testing.T) {
	require.Equal(t, "300ms", durationArg(300*time.Millisecond))
	require.Equal(t, "2000ms", durationArg(2*time.Second))
}

func TestWindowIsSampledWhenH2loadStartsCounting(t *testing.T) {
	var out bytes.Buffer
	opened, sampled := watchWindow(strings.NewReader(h2loadOutput), &out, os.Getpid())
	require.True(t, sampled)
	require.Positive(t, opened.cpu)
	require.Equal(t, h2loadOutput, out.String(), "every line is kept for the summary")
}

func TestWindowIsNotSampledWithoutItsLine(t *testing.T) {
	var out bytes.Buffer
	_, sampled := watchWindow(strings.NewReader("finished in 1s, 1 req/s, 0B/s\n"), &out, os.Getpid())
	require.False(t, sampled)
}

func TestWindowIsNotSampledForAProcessThatIsGone(t *testing.T) {
	var out bytes.Buffer
	_, sampled := watchWindow(strings.NewReader(h2loadOutput), &out, -1)
	require.False(t, sampled)
}

func TestH2loadWarmupLastsForEveryHandshake(t *testing.T) {
	p := &params{proto: "h1", inFlight: 256, conns: 1, warmup: 300 * time.Millisecond}
	require.Equal(t, 1280*time.Millisecond, h2loadWarmup(p))
	p = &params{proto: "h2", inFlight: 256, conns: 1, warmup: 300 * time.Millisecond}
	require.Equal(t, 300*time.Millisecond, h2loadWarmup(p))
	p.warmup = 0
	require.Zero(t, h2loadWarmup(p), "no warm-up asked for, none given")
}
