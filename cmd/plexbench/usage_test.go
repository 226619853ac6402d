package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadUsageExitsTwo(t *testing.T) {
	for _, args := range [][]string{
		{"-c", "0"},
		{"-m", "0"},
		{"-n", "-1"},
		{"-n", "5", "-d", "1s"},
		{"-rate", "-1"},
		{"-o", "xml"},
		{"-timeout", "0s"},
		{"--h1", "--h2"},
		{"-H", "no colon"},
		{"-H", "Bad Name: x"},
		{"-body-size", "-5"},
		{"-body-file", "/nonexistent/plexbench-body"},
		{"-nosuchflag"},
		{"ftp://example.com/"},
		{"http://"},
		{"--h2", "http://127.0.0.1:1/"},
		{"--h2c", "https://127.0.0.1:1/"},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), args, &out, &errOut)
		require.Equal(t, exitUsage, code, "args %q", args)
		require.Contains(t, errOut.String(), "plexbench", "args %q say why", args)
		require.Empty(t, out.String(), "args %q", args)
	}
}

func TestHelpExitsZeroAndListsFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(t.Context(), []string{"-h"}, &out, &errOut))
	for _, f := range []string{"-c int", "-m int", "-rate", "-h2c", "-body-file"} {
		require.Contains(t, errOut.String(), f)
	}
}
