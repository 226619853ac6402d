package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReportExplainsConnections: a server that closes every third
// connection makes the run dial again; the report says how many
// connections came and went and why, and -o json carries the per-origin
// stats.
func TestReportExplainsConnections(t *testing.T) {
	var n int
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n++ // one connection (-c 1 -m 1): requests come one at a time
		if n%3 == 0 {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "hello")
	}))
	defer s.Close()
	rs, code, _ := runJSON(t, "-n", "9", "-c", "1", "-m", "1", s.URL)
	require.Equal(t, exitOK, code)
	require.Len(t, rs, 1)
	ev := rs[0].ConnEvents
	require.NotNil(t, ev)
	require.Equal(t, int64(3), ev.Opened)
	require.Equal(t, map[string]int64{"peer_close": 3}, ev.Closed)
	require.Len(t, ev.Origins, 1)
	o := ev.Origins[0]
	require.Equal(t, "http://"+s.Listener.Addr().String(), o.Origin)
	require.Equal(t, uint64(3), o.Dials)
	require.Equal(t, uint64(9), o.Requests)
	require.Equal(t, map[string]uint64{"peer_close": 3}, o.Closed)

	var out, errOut bytes.Buffer
	n = 0
	require.Equal(t, exitOK, run(t.Context(), []string{"-n", "9", "-c", "1", "-m", "1", s.URL}, &out, &errOut), errOut.String())
	text := out.String()
	require.Contains(t, text, "  connections: 3 opened, 3 closed (3× peer_close)\n")
	require.True(t, strings.Contains(text, "0 GOAWAY received"), text)
}
