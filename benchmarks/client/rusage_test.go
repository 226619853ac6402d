package main

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const taskStatus = `Name:	h2load
State:	S (sleeping)
Threads:	2
voluntary_ctxt_switches:	5438
nonvoluntary_ctxt_switches:	2858
`

func TestTaskUsageIsParsed(t *testing.T) {
	u, ok := parseTaskUsage("470143341 388370837 751\n", taskStatus)
	require.True(t, ok)
	require.Equal(t, usage{cpu: 470143341 * time.Nanosecond, vcsw: 5438, ivcsw: 2858}, u)
}

func TestTaskUsageWithoutItsCountersIsRefused(t *testing.T) {
	for _, c := range []struct{ sched, status string }{
		{"", taskStatus},
		{"x 1 2", taskStatus},
		{"1 2 3", "Name:\th2load\n"},
		{"1 2 3", "voluntary_ctxt_switches:\t1\n"},
	} {
		_, ok := parseTaskUsage(c.sched, c.status)
		require.False(t, ok, "%q %q", c.sched, c.status)
	}
}

func TestProcUsageOfThisProcessCountsItsThreads(t *testing.T) {
	u, ok := procUsage(os.Getpid())
	require.True(t, ok)
	require.Positive(t, u.cpu)
	self := selfUsage()
	// The kernel counts both ways from the same clock; this process kept
	// running between the two reads, so /proc's figure cannot be larger.
	require.LessOrEqual(t, u.cpu, self.cpu+10*time.Millisecond)
}

func TestPerRequestDividesTheWindowByTheRequests(t *testing.T) {
	res := Result{Requests: 4}
	perRequest(&res, usage{cpu: 100 * time.Microsecond, vcsw: 6, ivcsw: 2}.sub(usage{cpu: 20 * time.Microsecond, vcsw: 2}))
	require.Equal(t, 20.0, res.CPUMicros)
	require.Equal(t, 1.0, res.Vcsw)
	require.Equal(t, 0.5, res.Ivcsw)

	none := Result{}
	perRequest(&none, usage{cpu: time.Second, vcsw: 1})
	require.Zero(t, none.CPUMicros)
	require.Zero(t, none.Vcsw)
}
