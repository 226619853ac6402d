package ecosystem_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/plexhttp/plex"
)

// A WebSocket dialed through plex to an https origin that also offers
// HTTP/2: the upgrade goes over an HTTP/1.1 connection of its own, as with
// net/http, and the connection is the caller's after the 101.
func Example_websocket() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		typ, msg, err := ws.Read(r.Context())
		if err != nil {
			return
		}
		ws.Write(r.Context(), typ, []byte("echo: "+string(msg)))
		ws.Close(websocket.StatusNormalClosure, "")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	c, err := plex.New(plex.WithTLSConfig(&tls.Config{RootCAs: roots}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "wss" + strings.TrimPrefix(srv.URL, "https")
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: c.HTTPClient()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(msg))
	ws.Close(websocket.StatusNormalClosure, "")
	// Output: echo: hello
}
