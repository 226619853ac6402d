package integration

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// upgradeServer answers a request that asks to switch protocols with 101
// and then echoes upper-cased what it reads; closed tells when the client
// closed its side. Anything else gets 200 and the protocol it came on.
type upgradeServer struct {
	*goServer
	closed chan struct{}
}

func startUpgradeServer(t *testing.T, start func(h http.Handler) *goServer) *upgradeServer {
	t.Helper()
	us := &upgradeServer{closed: make(chan struct{}, 8)}
	us.goServer = start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			_, _ = io.WriteString(w, r.Proto)
			return
		}
		// Through HTTP/2 there is nothing to hijack: the test fails here.
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "cannot switch protocols over "+r.Proto, http.StatusBadRequest)
			return
		}
		defer nc.Close()
		_, _ = io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: "+r.Header.Get("Upgrade")+"\r\n\r\n")
		buf := make([]byte, 1024)
		for {
			n, err := brw.Read(buf)
			if n > 0 {
				if _, werr := nc.Write([]byte(strings.ToUpper(string(buf[:n])))); werr != nil {
					return
				}
			}
			if err != nil {
				us.closed <- struct{}{}
				return
			}
		}
	}))
	return us
}

func upgradeRequest(t *testing.T, url, proto string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", proto)
	return req
}

// echo writes msg through the switched connection and reads the answer.
func echo(t *testing.T, rw io.ReadWriter, msg string) {
	t.Helper()
	_, err := io.WriteString(rw, msg)
	require.NoError(t, err)
	got := make([]byte, len(msg))
	_, err = io.ReadFull(rw, got)
	require.NoError(t, err)
	require.Equal(t, strings.ToUpper(msg), string(got))
}

// An upgrade to an https origin that offers h2 goes on an HTTP/1.1
// connection of its own, whatever the protocol token, while other requests
// keep using HTTP/2. After the 101 the connection is the caller's: Close
// and CloseIdleConnections leave it working, and closing the body closes
// it.
func TestUpgradeToH2OriginGoesOnHTTP1(t *testing.T) {
	for _, token := range []string{"websocket", "echo/1"} {
		t.Run(token, func(t *testing.T) {
			s := startUpgradeServer(t, func(h http.Handler) *goServer { return startGo(t, h, "h2", "http/1.1") })
			c := newClient(t, s.goServer)
			resp, body := get(t, c, s.URL)
			require.Equal(t, "HTTP/2.0", string(body))
			require.Equal(t, "HTTP/2.0", resp.Proto)

			resp, err := c.RoundTrip(upgradeRequest(t, s.URL, token))
			require.NoError(t, err)
			require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
			require.Equal(t, "HTTP/1.1", resp.Proto)
			require.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
			rw, ok := resp.Body.(io.ReadWriteCloser)
			require.True(t, ok, "the body of a 101 is the connection, as net/http gives it")
			echo(t, rw, "hello")
			st := c.Stats()
			require.Equal(t, 0, st.HTTP1Conns, "the switched connection is no longer the pool's")
			require.Equal(t, 1, st.HTTP2Conns)
			require.Equal(t, 2, int(st.Dials), "the upgrade had an HTTP/1.1 connection dialed for it")

			c.CloseIdleConnections()
			echo(t, rw, "after CloseIdleConnections")
			require.NoError(t, c.Close())
			echo(t, rw, "after Close")

			require.NoError(t, rw.Close())
			select {
			case <-s.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("server did not see the connection close")
			}
		})
	}
}

// net/http, side by side: its Transport takes only "websocket" upgrades off
// HTTP/2 and sends any other token to the h2 connection, which refuses it.
// plex sends every upgrade on HTTP/1.1 (the test above), since HTTP/2 has
// no protocol switch for any token.
func TestNetHTTPUpgradeToH2OriginOnlyForWebSocket(t *testing.T) {
	s := startUpgradeServer(t, func(h http.Handler) *goServer { return startGo(t, h, "h2", "http/1.1") })
	tr := s.Client().Transport.(*http.Transport)
	defer tr.CloseIdleConnections()

	resp, err := tr.RoundTrip(upgradeRequest(t, s.URL, "websocket"))
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	echo(t, resp.Body.(io.ReadWriter), "hi")
	require.NoError(t, resp.Body.Close())

	_, err = tr.RoundTrip(upgradeRequest(t, s.URL, "echo/1"))
	require.ErrorContains(t, err, "invalid Upgrade request header")
}

// A request body sent with an upgrade reaches the server before anything
// written through the switched connection.
func TestUpgradeWithRequestBody(t *testing.T) {
	got := make(chan string, 1)
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		got <- string(b)
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer nc.Close()
		_, _ = io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		line, err := brw.ReadString('\n')
		if err == nil {
			_, _ = io.WriteString(nc, strings.ToUpper(line))
		}
	}), "h2", "http/1.1")
	c := newClient(t, s)
	req := upgradeRequest(t, s.URL, "echo")
	req.Method = http.MethodPost
	req.Body = io.NopCloser(strings.NewReader("request body"))
	req.ContentLength = int64(len("request body"))
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "request body", <-got)
	defer resp.Body.Close()
	rw := resp.Body.(io.ReadWriter)
	_, err = io.WriteString(rw, "after\n")
	require.NoError(t, err)
	line, err := bufio.NewReader(rw).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "AFTER\n", line)
}

// A cleartext origin with both HTTP1 and UnencryptedHTTP2 configured gets
// HTTP/1.1, upgrades included, as net/http's Transport.Protocols gives it
// (side by side below); prior-knowledge HTTP/2 needs UnencryptedHTTP2
// without HTTP1, and then an upgrade cannot be carried.
func TestCleartextProtocolsFollowNetHTTP(t *testing.T) {
	s := startUpgradeServer(t, func(h http.Handler) *goServer { return startH2C(t, h) })

	c := newClient(t, nil, plex.WithProtocols(plex.HTTP1, plex.UnencryptedHTTP2))
	resp, body := get(t, c, s.URL)
	require.Equal(t, "HTTP/1.1", resp.Proto)
	require.Equal(t, "HTTP/1.1", string(body))
	resp, err := c.RoundTrip(upgradeRequest(t, s.URL, "echo"))
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	echo(t, resp.Body.(io.ReadWriter), "cleartext")
	require.NoError(t, resp.Body.Close())

	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, s.URL, nil)
	require.NoError(t, err)
	resp, err = tr.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, "HTTP/1.1", string(b), "net/http picks HTTP/1.1 for the same set")

	h2c := newClient(t, nil, plex.WithProtocols(plex.UnencryptedHTTP2))
	resp, body = get(t, h2c, s.URL)
	require.Equal(t, "HTTP/2.0", resp.Proto)
	require.Equal(t, "HTTP/2.0", string(body))
	_, err = h2c.RoundTrip(upgradeRequest(t, s.URL, "echo"))
	require.ErrorContains(t, err, "needs HTTP/1.1, but HTTP1 is not in WithProtocols")
	require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
}

// nginx, offering h2 and http/1.1 on its TLS listener, relays an upgrade
// to Go's upstream: plex asks it on HTTP/1.1 (nginx cannot relay an
// upgrade that came over HTTP/2), and the switched connection outlives
// the Client.
func TestUpgradeThroughNginx(t *testing.T) {
	srv := useServer(t, realserver.Nginx)
	require.True(t, srv.Caps.Upgrade)
	base, ok := srv.URL(realserver.H2)
	require.True(t, ok)
	c, err := plex.New(plex.WithTLSConfig(srv.ClientTLS()))
	require.NoError(t, err)
	defer c.Close()

	resp, _ := get(t, c, base+realserver.SmallFile)
	require.Equal(t, "HTTP/2.0", resp.Proto, "ordinary requests still use HTTP/2")

	resp, err = c.RoundTrip(upgradeRequest(t, base+realserver.UpgradePath, "echo"))
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "HTTP/1.1", resp.Proto)
	require.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
	rw := resp.Body.(io.ReadWriteCloser)
	defer rw.Close()
	echo(t, rw, "through nginx")
	require.NoError(t, c.Close())
	echo(t, rw, "after Close")
}
