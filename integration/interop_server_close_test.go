package integration

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/plexhttp/plex/integration/realserver"
)

// When the server closes an HTTP/2 connection (an idle timeout, a reload,
// ENHANCE_YOUR_CALM), the connection's reader goroutine ends with it: the
// pool's reaction to the dead connection must not leave it waiting for
// itself.
func TestHTTP2ConnClosedByServerLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }), "h2", "http/1.1")
	c := newClient(t, s)
	resp, _ := get(t, c, s.URL+realserver.SmallFile)
	require.Equal(t, "HTTP/2.0", resp.Proto)
	s.CloseClientConnections()
	require.Eventually(t, func() bool { return c.Stats().HTTP2Conns == 0 }, 10*time.Second, 5*time.Millisecond,
		"the client did not notice the server closing the connection")
	require.NoError(t, c.Close())
	s.Close()
	require.NoError(t, goleak.Find(before))
}
