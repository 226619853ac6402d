package h1

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/memconn"
)

// writeLog is a connection that records the size of every write.
type writeLog struct {
	net.Conn
	mu    sync.Mutex
	sizes []int
}

func (w *writeLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.sizes = append(w.sizes, len(p))
	w.mu.Unlock()
	return w.Conn.Write(p)
}

func (w *writeLog) writes() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.sizes...)
}

// writerToBody is a request body that hands its bytes to WriteTo in one
// piece, as bytes.Reader does, optionally failing after them.
type writerToBody struct {
	data []byte
	off  int
	err  error
}

func (b *writerToBody) Read(p []byte) (int, error) {
	if b.off == len(b.data) {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

func (b *writerToBody) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b.data[b.off:])
	b.off += n
	if err == nil {
		err = b.err
	}
	return int64(n), err
}

func (b *writerToBody) Close() error { return nil }

// uploadOnce answers one request, whose body it reads whole, with okOK,
// and sends the body on got.
func uploadOnce(got chan<- []byte) func(p *peer) error {
	return func(p *peer) error {
		req, err := http.ReadRequest(p.br)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return err
		}
		got <- b
		return p.write(okOK)
	}
}

// A streamed body of known length leaves in writes of up to bulkBufSize,
// not bw's 4 KiB or the old 32 KiB: each write is a syscall, and the
// server receives larger segments. A body with WriteTo writes from its own
// memory; any other is read into a pooled buffer.
func TestStreamedBodyOfKnownLengthGoesInLargeWrites(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for name, body := range map[string]func() io.Reader{
		"WriteTo": func() io.Reader { return &writerToBody{data: payload} },
		"Read":    func() io.Reader { return stream{bytes.NewReader(payload)} },
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cli, srv := memconn.Pipe()
				wl := &writeLog{Conn: cli}
				c := NewConn(wl, nil, ConnOptions{}, nil)
				defer c.Close()
				got := make(chan []byte, 1)
				done := serve(t, srv, uploadOnce(got))
				req := newReq(t, "POST", "http://h/", body())
				req.ContentLength = int64(len(payload))
				mustReserve(t, c)
				resp, err := c.RoundTrip(req)
				require.NoError(t, err)
				require.Equal(t, "ok", readAll(t, resp))
				require.NoError(t, <-done)
				require.Equal(t, payload, <-got)
				sizes := wl.writes()
				// The header, then the body in bulkBufSize pieces.
				require.Len(t, sizes, 1+len(payload)/bulkBufSize, "write sizes %v", sizes)
				require.NoError(t, c.Err())
				srv.Close()
			})
		})
	}
}

// Over TLS the pieces stay small, so that a write that stalls midway is
// still found within WriteByteTimeout (see tlsPieceSize).
func TestStreamedBodyOverTLSGoesInSmallPieces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := memconn.Pipe()
		wl := &writeLog{Conn: cli}
		c := NewConn(wl, nil, ConnOptions{}, nil)
		c.peek.tls = true // as under a *tls.Conn; the bytes stay clear for the peer
		defer c.Close()
		got := make(chan []byte, 1)
		done := serve(t, srv, uploadOnce(got))
		payload := make([]byte, 100<<10)
		req := newReq(t, "POST", "http://h/", &writerToBody{data: payload})
		req.ContentLength = int64(len(payload))
		mustReserve(t, c)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		require.Equal(t, "ok", readAll(t, resp))
		require.NoError(t, <-done)
		require.Len(t, <-got, len(payload))
		for _, n := range wl.writes() {
			require.LessOrEqual(t, n, tlsPieceSize)
		}
		srv.Close()
	})
}

// A body whose WriteTo does not match the declared length, or fails, ends
// the exchange with the same errors as one read through Read; nothing
// past the declared length reaches the wire.
func TestWriterToBodyErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   *writerToBody
		length int64
		want   string
	}{
		{"longer", &writerToBody{data: []byte("0123456789extra")}, 10, "h1: request body longer than its ContentLength 10"},
		{"shorter", &writerToBody{data: []byte("abc")}, 10, "h1: request body ended after 3 of 10 bytes (ContentLength)"},
		{"failing", &writerToBody{data: []byte("abc"), err: errBodyBroke}, 10, "h1: reading request body: test: request body broke"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cli, srv := memconn.Pipe()
				c := NewConn(cli, nil, ConnOptions{}, nil)
				defer c.Close()
				var wire bytes.Buffer
				done := make(chan error, 1)
				go func() {
					_, err := io.Copy(&wire, srv)
					done <- err
				}()
				req := newReq(t, "POST", "http://h/", tc.body)
				req.ContentLength = tc.length
				mustReserve(t, c)
				_, err := c.RoundTrip(req)
				require.EqualError(t, err, tc.want)
				require.Error(t, c.Err())
				require.NoError(t, <-done)
				_, body, _ := strings.Cut(wire.String(), "\r\n\r\n")
				require.LessOrEqual(t, int64(len(body)), tc.length)
				require.True(t, strings.HasPrefix(string(tc.body.data), body))
			})
		})
	}
}
