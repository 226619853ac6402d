package integration

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// POST and PUT bodies of 1 MiB and 16 MiB reach the server byte for byte:
// the server (or Go's server behind it) answers with the length and sha256
// it received, or, for nghttpd, with the body itself.
func TestInteropUpload(t *testing.T) {
	forEachTarget(t, "POST/PUT 1M/16M", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		if tg.srv.Caps.Upstream {
			noteInterop(t, string(tg.srv.Kind), string(tg.proto), "POST/PUT 1M/16M", "%s proxies /sum to Go's server, which answers with the sha256 it read", tg.srv.Kind)
		} else if tg.srv.Caps.Upload == realserver.UploadEcho {
			noteInterop(t, string(tg.srv.Kind), string(tg.proto), "POST/PUT 1M/16M", "%s --echo-upload answers with the body it read", tg.srv.Kind)
		}
		c := tg.client(t)
		// The bodies are built before the first request: building 16 MiB
		// between two requests can outlast the servers' 1 s idle timeout
		// on a loaded machine, and a POST on a connection the server
		// closed as idle is, rightly, not sent again.
		bodies := map[int][]byte{1 << 20: realserver.Pattern(1<<20, 7), 16 << 20: realserver.Pattern(16<<20, 7)}
		for _, tc := range []struct {
			method string
			size   int
		}{{http.MethodPost, 1 << 20}, {http.MethodPut, 16 << 20}, {http.MethodPost, 16 << 20}, {http.MethodPut, 1 << 20}} {
			data := bodies[tc.size]
			req, err := http.NewRequest(tc.method, tg.url+realserver.SumPath, bytes.NewReader(data))
			require.NoError(t, err)
			resp, err := c.RoundTrip(req)
			require.NoError(t, err, "%s of %d bytes", tc.method, tc.size)
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s of %d bytes: %.200s", tc.method, tc.size, got)
			switch tg.srv.Caps.Upload {
			case realserver.UploadDigest:
				require.Equal(t, fmt.Sprintf("%d %s", tc.size, realserver.Sum(data)), string(got), "%s of %d bytes", tc.method, tc.size)
			case realserver.UploadEcho:
				require.Equal(t, realserver.Sum(data), sum(got), "%s of %d bytes echoed", tc.method, tc.size)
			default:
				t.Fatalf("unknown upload kind %d", tg.srv.Caps.Upload)
			}
		}
	})
}
