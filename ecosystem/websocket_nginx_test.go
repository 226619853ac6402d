package ecosystem_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// coder/websocket dials wss:// through plex to nginx, whose TLS listener
// offers h2 and http/1.1 and relays the WebSocket to Go's server behind it.
func TestWebSocketThroughNginx(t *testing.T) {
	if _, err := exec.LookPath("nginx"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("nginx: %v", err)
		}
		t.Skipf("nginx not installed: %v", err)
	}
	backend := httptest.NewServer(upperEcho)
	defer backend.Close()

	certs, err := realserver.DefaultCerts()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := realserver.Start(ctx, realserver.Nginx, realserver.Options{
		Dir: t.TempDir(), Certs: certs, UpgradeUpstream: backend.Listener.Addr().String(),
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Stop()) }()
	base, ok := srv.URL(realserver.H2)
	require.True(t, ok)

	c := newPlex(t, plex.WithTLSConfig(srv.ClientTLS()))
	ws, resp, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(base, "https")+realserver.UpgradePath,
		&websocket.DialOptions{HTTPClient: c.HTTPClient()})
	require.NoError(t, err)
	defer ws.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
	echoOnce(t, ctx, ws, "through nginx")
	require.NoError(t, c.Close())
	echoOnce(t, ctx, ws, "after Close")
	require.NoError(t, ws.Close(websocket.StatusNormalClosure, "done"))
}
