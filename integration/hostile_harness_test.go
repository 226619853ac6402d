package integration

import (
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"golang.org/x/net/http2"
)

// hostileOrigin is the made-up origin of in-memory hostile peers; the
// pipes ignore the address.
const hostileOrigin = "http://hostile.test"

// pipeClient is a plex Client whose connections are in-memory pipes handed
// to the test. It must be built inside a synctest bubble.
type pipeClient struct {
	t     *testing.T
	c     *plex.Client
	pipes *faults.Pipes
}

// newPipeClient builds a Client speaking h2c (with h2 true) or HTTP/1.1 to
// faults.Pipes; both are closed with the test.
func newPipeClient(t *testing.T, h2 bool, popts []faults.PipesOption, opts ...plex.Option) *pipeClient {
	t.Helper()
	pipes := faults.NewPipes(popts...)
	proto := plex.HTTP1
	if h2 {
		proto = plex.UnencryptedHTTP2
	}
	opts = append([]plex.Option{plex.WithDialContext(pipes.DialContext), plex.WithProtocols(proto)}, opts...)
	c, err := plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, c.Close())
		pipes.Close()
	})
	return &pipeClient{t: t, c: c, pipes: pipes}
}

// peer accepts the next connection the client dialed as an HTTP/2 peer.
// The client must already be dialing: inside the bubble, a missing dial
// fails at once instead of hanging.
func (pc *pipeClient) peer() *h2peer.Peer {
	pc.t.Helper()
	synctest.Wait()
	s := pc.pipes.TryAccept()
	require.NotNil(pc.t, s, "the client did not dial")
	return h2peer.New(pc.t, s)
}

// accept returns the server end of the next dialed connection.
func (pc *pipeClient) accept() *memconn.Conn {
	pc.t.Helper()
	synctest.Wait()
	s := pc.pipes.TryAccept()
	require.NotNil(pc.t, s, "the client did not dial")
	return s
}

type outcome struct {
	resp *http.Response
	body []byte // read in full when readBody was asked
	err  error  // from RoundTrip, or from reading the body
}

// start runs req on its own goroutine; with readBody the body is read in
// full and closed there too.
func (pc *pipeClient) start(req *http.Request, readBody bool) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		resp, err := pc.c.RoundTrip(req)
		if err != nil || !readBody {
			ch <- outcome{resp: resp, err: err}
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- outcome{resp: resp, body: body, err: err}
	}()
	return ch
}

// get starts a GET of path with its body read.
func (pc *pipeClient) get(path string) <-chan outcome {
	return pc.start(newReq(pc.t, http.MethodGet, path, nil), true)
}

// done returns the finished outcome, failing if the request is still
// running once every goroutine in the bubble is blocked.
func (pc *pipeClient) done(ch <-chan outcome) outcome {
	pc.t.Helper()
	synctest.Wait()
	select {
	case o := <-ch:
		return o
	default:
		pc.t.Fatal("request still running")
		return outcome{}
	}
}

// pending checks that the request has not finished.
func (pc *pipeClient) pending(ch <-chan outcome) {
	pc.t.Helper()
	synctest.Wait()
	select {
	case o := <-ch:
		pc.t.Fatalf("request finished early: %v", o.err)
	default:
	}
}

func newReq(t *testing.T, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, hostileOrigin+path, body)
	require.NoError(t, err)
	return req
}

// open accepts the next connection as an HTTP/2 peer and completes the
// opening exchange; it returns the client's limits and the header blocks of
// the requests it sent meanwhile.
func (pc *pipeClient) open(settings ...http2.Setting) (*h2peer.Peer, faults.Limits, []*faults.Request) {
	pc.t.Helper()
	p := pc.peer()
	lim, reqs, err := faults.Handshake(p, settings...)
	require.NoError(pc.t, err)
	return p, lim, reqs
}

// wantPingAnswered reads the PING the client sends after resetting a
// stream (to learn when the peer saw it) and answers it.
func wantPingAnswered(p *h2peer.Peer) {
	p.WritePing(true, p.WantPing())
}

// waitFor blocks until the request finishes, letting the bubble's fake
// clock run, for outcomes that come from timeouts. It fails after an hour
// of fake time.
func (pc *pipeClient) waitFor(ch <-chan outcome) outcome {
	pc.t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(time.Hour):
		pc.t.Fatal("request still running after an hour")
		return outcome{}
	}
}
