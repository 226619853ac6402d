package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const h2loadOutput = `starting benchmark...
finished in 2.00s, 87000.50 req/s, 10.00MB/s
requests: 174001 total, 174001 started, 174001 done, 174000 succeeded, 1 failed, 1 errored, 0 timeout
status codes: 174000 2xx, 0 3xx, 0 4xx, 0 5xx
`

func TestH2loadSummaryIsParsed(t *testing.T) {
	res, err := parseH2load([]byte(h2loadOutput), 0)
	require.NoError(t, err)
	require.Equal(t, 2.0, res.Seconds)
	require.Equal(t, int64(174000), res.Requests)
	require.Equal(t, int64(1), res.Failed)
	require.InDelta(t, 87000, res.ReqPerSec, 0.01)
	require.InDelta(t, 10*(1<<20)/1e6, res.MBPerSec, 1e-9)
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
