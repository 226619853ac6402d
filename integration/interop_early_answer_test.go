package integration

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// A server may answer an upload before reading it (a static file handler
// refusing POST, a fixed answer) and then reset the stream with NO_ERROR or
// CANCEL, or close the HTTP/1.1 connection: the client still delivers that
// response (RFC 9113 §8.1), and the next request works.
func TestInteropEarlyAnswerToUpload(t *testing.T) {
	forEachTarget(t, "early answer to upload", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		if !tg.srv.Caps.EarlyUploadAnswer {
			notApplicable(t, string(tg.srv.Kind)+" reads the whole body before answering")
		}
		c := tg.client(t)
		data := realserver.Pattern(16<<20, 9)
		req, err := http.NewRequest(http.MethodPost, tg.url+realserver.SmallFile, bytes.NewReader(data))
		require.NoError(t, err)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Contains(t, []int{http.StatusOK, http.StatusMethodNotAllowed}, resp.StatusCode)
		noteInterop(t, string(tg.srv.Kind), string(tg.proto), "early answer to upload", "%s answers POST of 16 MiB to a static file with %d", tg.srv.Kind, resp.StatusCode)
		_, body := get(t, c, tg.url+realserver.SmallFile)
		require.Equal(t, realserver.Sum(realserver.File(realserver.SmallFile)), sum(body))
	})
}
