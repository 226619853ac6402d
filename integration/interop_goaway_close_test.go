package integration

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/h2peer"
)

// Apache's graceful restart, seen in TestInteropGracefulReload: a new
// connection takes a GET, the server sends GOAWAY(NO_ERROR) naming that
// stream as possibly processed, then closes without answering. The server
// is going away on purpose, not crashing on the request, so a GET that got
// no response byte is sent again on a fresh connection even though its
// connection was not a reused one.
func TestIdempotentRequestRetriedAfterGracefulGoAwayClose(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	require.NoError(t, l.(*net.TCPListener).SetDeadline(time.Now().Add(5*time.Second)))
	c, err := plex.New(plex.WithProtocols(plex.UnencryptedHTTP2))
	require.NoError(t, err)
	defer c.Close()

	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		req, err := http.NewRequest(http.MethodGet, "http://"+l.Addr().String()+"/", nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp, err := c.RoundTrip(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()

	first, err := l.Accept()
	require.NoError(t, err)
	p := h2peer.New(t, first)
	p.ReadTimeout = 10 * time.Second
	id := acceptRequest(p)
	p.WriteGoAway(id, http2.ErrCodeNo, "graceful")
	require.NoError(t, first.(*net.TCPConn).CloseWrite())
	defer first.Close()

	second, err := l.Accept()
	if err != nil {
		r := <-done
		t.Fatalf("the GET was not sent again: RoundTrip returned %v", r.err)
	}
	defer second.Close()
	p = h2peer.New(t, second)
	p.ReadTimeout = 10 * time.Second
	id = acceptRequest(p)
	p.WriteHeaders(id, true, ":status", "200")
	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, http.StatusOK, r.status)
}

// acceptRequest opens the connection as a server does, whatever order the
// client's SETTINGS ACK and first HEADERS come in, and returns the
// request's stream id.
func acceptRequest(p *h2peer.Peer) uint32 {
	p.ReadPreface()
	p.WriteSettings()
	p.WriteSettingsAck()
	for {
		if h, ok := p.ReadFrame().(*http2.MetaHeadersFrame); ok {
			return h.StreamID
		}
	}
}
