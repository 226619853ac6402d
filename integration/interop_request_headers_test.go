package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// maxTestedHeader caps the header sizes tried against servers whose limit
// is far larger (Go's and Caddy's 1 MiB).
const (
	maxTestedHeader = 48 << 10
	maxOverHeader   = 256 << 10
)

// A request header field just under the server's limit (as configured, or
// as documented, see realserver.Caps) is
// accepted; one four times that size (up to 256 KiB) gets an answer or a
// clear refusal (a 4xx response or an error), never a hang or a 5xx, and
// the client keeps working. Over HTTP/2 the limits apply to HPACK-encoded
// sizes, so some servers accept the larger field there.
func TestInteropRequestHeadersNearLimit(t *testing.T) {
	forEachTarget(t, "request headers near limit", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		limit := tg.srv.Caps.MaxRequestHeaderBytes
		c := tg.client(t)
		under := min(limit-1024, maxTestedHeader)
		status, err := sendHeader(t, c, tg.url+realserver.SmallFile, under)
		require.NoError(t, err, "header of %d bytes", under)
		require.Equal(t, http.StatusOK, status, "header of %d bytes", under)

		over := min(4*limit, maxOverHeader)
		status, err = sendHeader(t, c, tg.url+realserver.SmallFile, over)
		if err != nil {
			require.False(t, errors.Is(err, context.DeadlineExceeded), "header of %d bytes hung: %v", over, err)
		} else {
			require.Less(t, status, 500, "header of %d bytes", over)
		}
		noteInterop(t, string(tg.srv.Kind), string(tg.proto), "request headers near limit",
			"%s (limit taken as %d) accepts a %d-byte header field; %d bytes: %s", tg.srv.Kind, limit, under, over, headerOutcome(status, err))
		_, body := get(t, c, tg.url+realserver.SmallFile)
		require.Equal(t, realserver.Sum(realserver.File(realserver.SmallFile)), sum(body))
	})
}

func sendHeader(t *testing.T, c *plex.Client, url string, size int) (int, error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("X-Filler", strings.Repeat("a", size))
	resp, err := c.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func headerOutcome(status int, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("status %d", status)
}
