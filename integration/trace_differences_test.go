package integration

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"testing"

	"github.com/stretchr/testify/require"
)

// An HTTP/1.1 response body closed before EOF: net/http closes the
// connection, so PutIdleConn does not fire and the next request dials.
// plex reads off a small remainder (up to a bound) and keeps the
// connection, saving the next request a dial (and a TLS handshake), so
// PutIdleConn fires during Close and the next request reuses it. Both
// sequences are asserted, side by side.
func TestTracePutIdleConnAfterEarlyBodyClose(t *testing.T) {
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	run := func(rt http.RoundTripper) []string {
		log := &eventLog{srvAddr: s.Listener.Addr().String()}
		tr := &httptrace.ClientTrace{
			GetConn: func(string) { log.add("GetConn") },
			GotConn: func(i httptrace.GotConnInfo) { log.add("GotConn reused=%t", i.Reused) },
			PutIdleConn: func(err error) {
				log.add("PutIdleConn err=%v", err)
			},
		}
		for _, step := range []string{"closed early", "next"} {
			req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), tr), http.MethodGet, s.URL+"/", nil)
			require.NoError(t, err)
			resp, err := rt.RoundTrip(req)
			require.NoError(t, err)
			if step == "next" {
				_, err = io.ReadAll(resp.Body)
				require.NoError(t, err)
			}
			require.NoError(t, resp.Body.Close())
			log.add("body closed (%s)", step)
		}
		return log.take()
	}
	std := &http.Transport{}
	t.Cleanup(std.CloseIdleConnections)
	require.Equal(t, []string{
		"GetConn", "GotConn reused=false", "body closed (closed early)",
		"GetConn", "GotConn reused=false", "PutIdleConn err=<nil>", "body closed (next)",
	}, run(std), "net/http")
	require.Equal(t, []string{
		"GetConn", "GotConn reused=false", "PutIdleConn err=<nil>", "body closed (closed early)",
		"GetConn", "GotConn reused=true", "PutIdleConn err=<nil>", "body closed (next)",
	}, run(newClient(t, s)), "plex")
}
