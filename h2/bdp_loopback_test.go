package h2

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// delayedConn hands over what it reads from the network d after it
// arrived, as a path with d more of round trip would.
type delayedConn struct {
	net.Conn
	ch        chan inFlight
	done      chan struct{}
	closeOnce sync.Once
	err       error // why reading stopped; written before ch is closed
	pending   []byte
}

func newDelayedConn(nc net.Conn, d time.Duration) *delayedConn {
	c := &delayedConn{Conn: nc, ch: make(chan inFlight, 256), done: make(chan struct{})}
	go func() {
		defer close(c.ch)
		for {
			b := make([]byte, 64<<10)
			n, err := nc.Read(b)
			if n > 0 {
				select {
				case c.ch <- inFlight{b[:n], time.Now().Add(d)}:
				case <-c.done:
					c.err = net.ErrClosed
					return
				}
			}
			if err != nil {
				c.err = err
				return
			}
		}
	}()
	return c
}

func (c *delayedConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		f, ok := <-c.ch
		if !ok {
			return 0, c.err
		}
		if d := time.Until(f.at); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.done:
				t.Stop()
				return 0, net.ErrClosed
			}
		}
		c.pending = f.b
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

func (c *delayedConn) Close() error {
	c.closeOnce.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// startZerosServer starts Go's HTTP/2 server (h2c) answering /?n=N with N
// zero bytes.
func startZerosServer(t *testing.T) string {
	chunk := make([]byte, 64<<10)
	return startH2CServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		for n > 0 {
			m, err := w.Write(chunk[:min(n, len(chunk))])
			if err != nil {
				return
			}
			n -= m
		}
	}))
}

// Go's own server, 20 ms away: once the application has read a few MiB
// quickly, the server has more than the initial 1 MiB window in flight to
// the one stream; with a fixed window it never can.
func TestRealServerUsesTheGrownWindow(t *testing.T) {
	addr := startZerosServer(t)
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	var received, read atomic.Int64
	var once sync.Once
	beyond := make(chan struct{})
	cfg := &Config{FrameTrace: func(e FrameEvent) {
		if e.Dir != Read || e.Type != "DATA" {
			return
		}
		// Bytes received but not read yet: what the server sent beyond
		// the application's reads, which the stream window bounds.
		if received.Add(int64(e.Length))-read.Load() > DefaultInitialStreamWindowSize {
			once.Do(func() { close(beyond) })
		}
	}}
	cc, err := NewClientConn(newDelayedConn(nc, 20*time.Millisecond), cfg, nil, nil)
	require.NoError(t, err)
	defer cc.Close()

	resp, err := cc.RoundTrip(mustGet(t, "http://"+addr+"/?n="+strconv.Itoa(256*mib)))
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 256<<10)
	for read.Load() < 32*mib {
		n, err := resp.Body.Read(buf)
		read.Add(int64(n))
		require.NoError(t, err)
	}
	// The reader stops; the server sends what the window lets it.
	select {
	case <-beyond:
	case <-time.After(10 * time.Second):
		t.Fatalf("the server never had more than %d bytes unread in flight (received %d, read %d)", DefaultInitialStreamWindowSize, received.Load(), read.Load())
	}
	_, err = io.CopyN(io.Discard, resp.Body, 1)
	require.NoError(t, err)
}
