package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDemoComparesEveryProtocol(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(t.Context(), []string{"-n", "200", "-c", "4"}, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	table := out.String()
	for _, want := range []string{"TLS, ALPN h2", "TLS, HTTP/1.1 only", "cleartext h2c", "cleartext HTTP/1.1"} {
		require.Equal(t, 2, strings.Count(table, want), "plex and net/http rows for %q in\n%s", want, table)
	}
	require.Equal(t, 4, strings.Count(table, "HTTP/2.0"))
	require.Equal(t, 8, strings.Count(table, "    200 "), "every row made 200 requests:\n%s", table)
	require.NotContains(t, errOut.String(), "\r", "no progress bar when stderr is not a terminal")
}
