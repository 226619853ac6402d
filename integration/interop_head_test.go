package integration

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// HEAD gives the file's length and no body, and the connection stays usable.
func TestInteropHead(t *testing.T) {
	forEachTarget(t, "HEAD", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		c := tg.client(t)
		for _, path := range []string{realserver.File1M, realserver.SmallFile} {
			req, err := http.NewRequest(http.MethodHead, tg.url+path, nil)
			require.NoError(t, err)
			resp, err := c.RoundTrip(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Empty(t, body)
			require.EqualValues(t, len(realserver.File(path)), resp.ContentLength, path)
		}
		_, body := get(t, c, tg.url+realserver.SmallFile)
		require.Equal(t, realserver.Sum(realserver.File(realserver.SmallFile)), sum(body))
	})
}
