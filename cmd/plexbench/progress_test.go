package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestProgressLineCountsTowardsRequests(t *testing.T) {
	o := &options{requests: 1000}
	line := progressLine(o, "plex", 450, 50, time.Second, 1234.4)
	require.Equal(t, "plex [===============               ]  50%  450 done  1234 req/s  50 failed", line)
}

func TestProgressLineCountsTowardsDuration(t *testing.T) {
	o := &options{duration: 4 * time.Second}
	line := progressLine(o, "plex", 10, 0, 5*time.Second, 2)
	require.Equal(t, "plex [==============================] 100%  10 done  2 req/s", line)
}
