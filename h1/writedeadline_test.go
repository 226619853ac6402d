package h1

import (
	"bytes"
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
				stalled := time.Since(start)
				require.GreaterOrEqual(t, stalled, d)
				require.LessOrEqual(t, stalled, d+deadline.Slack(d))
				srv.Close()
			})
		})
	}
}
