package integration

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// GETs of a small file, 1 MiB and 16 MiB arrive byte for byte.
func TestInteropGet(t *testing.T) {
	forEachTarget(t, "GET small/1M/16M", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		c := tg.client(t)
		for _, path := range []string{realserver.SmallFile, realserver.File1M, realserver.File16M} {
			resp, body := get(t, c, tg.url+path)
			require.Equal(t, http.StatusOK, resp.StatusCode, path)
			require.Equal(t, tg.wantProto(), resp.Proto, path)
			require.Equal(t, realserver.Sum(realserver.File(path)), sum(body), "body of %s", path)
		}
	})
}
