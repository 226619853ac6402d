package ecosystem_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// upperEcho answers a WebSocket handshake and echoes each message back
// upper-cased, until the client goes.
var upperEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	for {
		typ, msg, err := ws.Read(r.Context())
		if err != nil {
			return
		}
		if err := ws.Write(r.Context(), typ, []byte(strings.ToUpper(string(msg)))); err != nil {
			return
		}
	}
})

// startEchoBackend starts Go's server over TLS offering h2 and http/1.1,
// answering WebSocket handshakes with an upper-casing echo.
func startEchoBackend(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(upperEcho)
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
	s.StartTLS()
	t.Cleanup(s.Close)
	require.Equal(t, []string{"h2", "http/1.1"}, s.TLS.NextProtos)
	return s
}

func trust(s *httptest.Server) *tls.Config {
	return &tls.Config{RootCAs: s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
}

func newPlex(t *testing.T, opts ...plex.Option) *plex.Client {
	t.Helper()
	c, err := plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

func echoOnce(t *testing.T, ctx context.Context, ws *websocket.Conn, msg string) {
	t.Helper()
	require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(msg)))
	typ, got, err := ws.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	require.Equal(t, strings.ToUpper(msg), string(got))
}

// coder/websocket dials wss:// through plex to a server that offers h2:
// the handshake goes on HTTP/1.1, messages echo both ways, and the
// WebSocket outlives the plex Client, whose Close no longer owns it.
func TestWebSocketDialThroughPlex(t *testing.T) {
	backend := startEchoBackend(t)
	c := newPlex(t, plex.WithTLSConfig(trust(backend)), plex.WithTimeout(30*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	wsURL := "wss" + strings.TrimPrefix(backend.URL, "https")
	ws, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: c.HTTPClient()})
	require.NoError(t, err)
	defer ws.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "HTTP/1.1", resp.Proto)
	require.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
	echoOnce(t, ctx, ws, "hello")
	echoOnce(t, ctx, ws, strings.Repeat("x", 20<<10))

	require.NoError(t, c.Close())
	echoOnce(t, ctx, ws, "after close")
	require.NoError(t, ws.Close(websocket.StatusNormalClosure, "done"))
}

// httputil.ReverseProxy with plex as its Transport relays a WebSocket to
// an https backend that offers h2: the proxy's upgrade request goes on
// HTTP/1.1, and the 101's body, an io.ReadWriteCloser, is what the proxy
// splices to its client's hijacked connection.
func TestReverseProxyRelaysWebSocketThroughPlex(t *testing.T) {
	backend := startEchoBackend(t)
	target, err := url.Parse(backend.URL)
	require.NoError(t, err)
	transport := newPlex(t, plex.WithTLSConfig(trust(backend)))
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport: transport,
	}
	front := httptest.NewServer(proxy)
	defer front.Close()

	client := newPlex(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	ws, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(front.URL, "http"), &websocket.DialOptions{HTTPClient: client.HTTPClient()})
	require.NoError(t, err)
	defer ws.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	echoOnce(t, ctx, ws, "through the proxy")
	echoOnce(t, ctx, ws, strings.Repeat("y", 20<<10))
	require.NoError(t, ws.Close(websocket.StatusNormalClosure, "done"))
}
