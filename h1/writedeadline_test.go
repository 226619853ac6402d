package h1

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/deadline"
	"github.com/plexhttp/plex/internal/memconn"
)

// deadlineConn records the write deadlines set on a net.Conn.
type deadlineConn struct {
	net.Conn
	mu  sync.Mutex
	set []time.Time
}

func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	d.mu.Lock()
	d.set = append(d.set, t)
	d.mu.Unlock()
	return d.Conn.SetWriteDeadline(t)
}

func (d *deadlineConn) deadlines() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.set...)
}

// A busy connection moves its write deadline only when less than the full
// timeout is left, and then gives it a quarter of the timeout as slack.
func TestWriteDeadlineMovesOnlyWhenTooClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Second
		cli, srv := memconn.Pipe()
		dc := &deadlineConn{Conn: cli}
		c := NewConn(dc, &Config{WriteByteTimeout: d}, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, func(p *peer) error {
			for {
				if err := answer(okOK)(p); err != nil {
					return err
				}
			}
		})
		exchange := func() {
			t.Helper()
			mustReserve(t, c)
			resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
			require.NoError(t, err)
			require.Equal(t, "ok", readAll(t, resp))
		}

		start := time.Now()
		for range 10 {
			exchange()
		}
		require.Equal(t, []time.Time{start.Add(d + deadline.Slack(d))}, dc.deadlines(),
			"one deadline, with slack, serves many writes")

		time.Sleep(deadline.Slack(d)) // exactly d left: still enough
		exchange()
		require.Len(t, dc.deadlines(), 1)

		time.Sleep(time.Millisecond) // less than d left: moved
		exchange()
		now := time.Now()
		require.Equal(t, []time.Time{start.Add(d + deadline.Slack(d)), now.Add(d + deadline.Slack(d))}, dc.deadlines())

		c.Close()
		srv.Close()
		<-done
	})
}

// A write that stops making progress fails after no less than the timeout,
// and no more than the timeout plus its slack, however old the armed
// deadline is.
func TestStalledWriteFailsWithinTheSlack(t *testing.T) {
	const d = time.Second
	for name, gap := range map[string]time.Duration{
		"fresh deadline":          0,
		"deadline just kept":      deadline.Slack(d),
		"deadline just too close": deadline.Slack(d) + time.Millisecond,
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cli, srv := memconn.NewPipe(memconn.Options{MaxBuffered: 4 << 10})
				c := NewConn(cli, &Config{WriteByteTimeout: d}, ConnOptions{}, nil)
				defer c.Close()
				// One exchange arms the deadline; then the peer stops reading.
				done := serve(t, srv, answer(okOK))
				mustReserve(t, c)
				resp, err := c.RoundTrip(newReq(t, "GET", "http://h/", nil))
				require.NoError(t, err)
				require.Equal(t, "ok", readAll(t, resp))
				require.NoError(t, <-done)

				time.Sleep(gap)
				start := time.Now()
				mustReserve(t, c)
				_, err = c.RoundTrip(newReq(t, "POST", "http://h/", bytes.NewReader(make([]byte, 32<<10))))
				require.Error(t, err)
				// As net/http's write past its deadline: a *net.OpError
				// for a write, naming the bound that expired.
				var oe *net.OpError
				require.ErrorAs(t, err, &oe)
				require.Equal(t, "write", oe.Op)
				require.Equal(t, cli.LocalAddr().Network(), oe.Net)
				require.True(t, oe.Timeout())
				require.ErrorContains(t, err, "h1: write made no progress")
				stalled := time.Since(start)
				require.GreaterOrEqual(t, stalled, d)
				require.LessOrEqual(t, stalled, d+deadline.Slack(d))
				srv.Close()
			})
		})
	}
}

// After a 101 the connection belongs to the application: the request's
// write deadline must not fail its writes later.
func TestUpgradedConnHasNoWriteDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const d = time.Second
		cli, srv := memconn.Pipe()
		c := NewConn(cli, &Config{WriteByteTimeout: d}, ConnOptions{}, nil)
		defer c.Close()
		done := serve(t, srv, func(p *peer) error {
			if err := answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")(p); err != nil {
				return err
			}
			b := make([]byte, 4)
			_, err := io.ReadFull(p.br, b)
			return err
		})
		req := newReq(t, "GET", "http://h/", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		mustReserve(t, c)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		require.Equal(t, 101, resp.StatusCode)
		time.Sleep(10 * d) // the application takes its time
		_, err = resp.Body.(io.Writer).Write([]byte("ping"))
		require.NoError(t, err)
		require.NoError(t, <-done)
		require.NoError(t, resp.Body.Close())
	})
}
