package h1

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// pipeConn is a Conn over net.Pipe with the server end left to the test.
type pipeConn struct {
	*Conn
	srv     net.Conn
	changes atomic.Int32
}

func newPipeConn(t *testing.T, cfg *Config, opts ConnOptions) *pipeConn {
	t.Helper()
	cli, srv := net.Pipe()
	pc := &pipeConn{srv: srv}
	pc.Conn = NewConn(cli, cfg, opts, func() { pc.changes.Add(1) })
	t.Cleanup(func() {
		pc.Conn.Close()
		srv.Close()
	})
	return pc
}

// peer is the server side of a test connection: it reads whole requests and
// writes scripted bytes.
type peer struct {
	t   *testing.T
	nc  net.Conn
	br  *bufio.Reader
	raw bytes.Buffer
}

func newPeer(t *testing.T, nc net.Conn) *peer {
	p := &peer{t: t, nc: nc}
	p.br = bufio.NewReader(io.TeeReader(nc, &p.raw))
	return p
}

// readRequest reads one request with its body and returns it and the raw
// bytes it took on the wire.
func (p *peer) readRequest() (*http.Request, string, error) {
	p.raw.Reset()
	req, err := http.ReadRequest(p.br)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(io.Discard, req.Body); err != nil {
		return nil, "", err
	}
	raw := p.raw.String()
	return req, raw[:len(raw)-p.br.Buffered()], nil
}

func (p *peer) write(s string) error {
	_, err := io.WriteString(p.nc, s)
	return err
}

// serve runs fn on the peer in a goroutine; the returned channel yields its
// error once it ends.
func serve(t *testing.T, nc net.Conn, fn func(p *peer) error) <-chan error {
	done := make(chan error, 1)
	p := newPeer(t, nc)
	go func() { done <- fn(p) }()
	return done
}

// answer reads one request and writes resp.
func answer(resp string) func(p *peer) error {
	return func(p *peer) error {
		if _, _, err := p.readRequest(); err != nil {
			return err
		}
		return p.write(resp)
	}
}

func mustReserve(t *testing.T, c *Conn) {
	t.Helper()
	require.True(t, c.Reserve(), "slot free")
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return string(b)
}

func newReq(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	return req
}
