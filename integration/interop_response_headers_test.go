package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// A response whose header fields together exceed one 16 KiB HTTP/2 frame
// (so the server sends CONTINUATION frames) arrives whole.
func TestInteropLargeResponseHeaders(t *testing.T) {
	forEachTarget(t, "large response headers", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		if !tg.srv.Caps.BigHeaders {
			notApplicable(t, string(tg.srv.Kind)+" cannot be configured to add response headers")
		}
		c := tg.client(t)
		resp, body := get(t, c, tg.url+realserver.BigHdrFile)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, realserver.Sum(realserver.File(realserver.BigHdrFile)), sum(body))
		for k, v := range realserver.BigHeaders() {
			require.Equal(t, v, resp.Header.Get(k), "header %s", k)
		}
	})
}
