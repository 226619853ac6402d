package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-url", "ftp://x/"},
		{"-url", "http://127.0.0.1/", "-c", "2", "-conns", "3"},
		{"-url", "http://127.0.0.1/", "-proto", "spdy"},
		{"-url", "http://127.0.0.1/", "-proto", "h2"},
		{"-url", "https://127.0.0.1/", "-proto", "h2c"},
		{"-url", "http://127.0.0.1/", "-d", "0s"},
		{"-url", "http://127.0.0.1/", "-n", "-1"},
		{"-url", "http://127.0.0.1/", "-n", "2", "-c", "2"},
	} {
		_, err := parseFlags(args)
		require.Error(t, err, "args %q", args)
	}
}

func TestIdleModeNeedsNoConcurrencyFlags(t *testing.T) {
	p, err := parseFlags([]string{"-url", "https://127.0.0.1/slow", "-proto", "h2", "-idle", "100"})
	require.NoError(t, err)
	require.Equal(t, 100, p.idle)
}

func TestOneClientModeIsRefusedToH2load(t *testing.T) {
	p, err := parseFlags([]string{"-url", "https://127.0.0.1/", "-proto", "h2", "-c", "10000", "-conns", "0", "-streammem"})
	require.NoError(t, err)
	require.Zero(t, p.conns)
	require.True(t, p.streamMem)
	_, err = parseFlags([]string{"-client", "h2load", "-url", "https://127.0.0.1/", "-proto", "h2", "-c", "10", "-conns", "0"})
	require.ErrorContains(t, err, "h2load needs -conns >= 1")
	_, err = parseFlags([]string{"-url", "https://127.0.0.1/", "-proto", "h2", "-conns", "-1"})
	require.Error(t, err)
}
