package main

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBadUsageExitsTwo(t *testing.T) {
	for _, args := range [][]string{
		{"-c", "0"},
		{"-n", "-1"},
		{"-proto", "spdy"},
		{"-nosuchflag"},
		{"ftp://example.com/"},
		{"http://"},
	} {
		var out, errOut bytes.Buffer
		code := run(t.Context(), args, &out, &errOut)
		require.Equal(t, 2, code, "args %q", args)
		require.NotEmpty(t, errOut.String(), "args %q say why", args)
	}
}

func TestDemoComparesEveryProtocol(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "200", "-c", "4"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	table := out.String()
	for _, want := range []string{"TLS, ALPN h2", "TLS, HTTP/1.1 only", "cleartext h2c", "cleartext HTTP/1.1"} {
		require.Equal(t, 2, strings.Count(table, want), "plex and net/http rows for %q in\n%s", want, table)
	}
	require.Equal(t, 4, strings.Count(table, "HTTP/2.0"))
	require.Equal(t, 8, strings.Count(table, "    200 "), "every row made 200 requests:\n%s", table)
}

func TestUnreachableTargetEndsWithErrorSummary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "5", "-c", "1", "http://" + addr + "/"}, &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, out.String(), "errors: 5× dial error")
}
