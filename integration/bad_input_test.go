package integration

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// A header value with CR/LF is refused before anything is written, on
// either protocol, and the error does not claim the request may have been
// processed.
func TestHeaderInjectionRefusedOnBothProtocols(t *testing.T) {
	var hits atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	for _, tc := range []struct {
		name  string
		proto []string
	}{
		{"http1", []string{"http/1.1"}},
		{"h2", []string{"h2", "http/1.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startGo(t, h, tc.proto...)
			c := newClient(t, s)
			req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
			require.NoError(t, err)
			req.Header.Set("X-Evil", "a\r\nInjected: yes")
			_, err = c.RoundTrip(req)
			require.Error(t, err)
			require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
			require.Zero(t, c.Stats().Retries, "an invalid request is never sent again")
		})
	}
	require.Zero(t, hits.Load())
}
