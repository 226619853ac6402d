package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// A missing file is a 404 response, not an error, and the connection stays
// usable.
func TestInteropNotFound(t *testing.T) {
	forEachTarget(t, "404", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		c := tg.client(t)
		resp, _ := get(t, c, tg.url+realserver.Missing)
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		resp, body := get(t, c, tg.url+realserver.SmallFile)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, realserver.Sum(realserver.File(realserver.SmallFile)), sum(body))
	})
}
