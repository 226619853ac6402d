package h2

import (
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
)

func TestConfigValidateReportsEveryField(t *testing.T) {
	err := (&Config{
		InitialStreamWindowSize: 1 << 31,
		InitialConnWindowSize:   1000,
		MaxReadFrameSize:        100,
		ReadIdleTimeout:         -1,
		PingTimeout:             -1,
		ResponseHeaderTimeout:   -1,
		ExpectContinueTimeout:   -1,
	}).Validate()
	require.Len(t, strings.Split(err.Error(), "\n"), 7, "%v", err)
	require.NoError(t, (*Config)(nil).Validate())
	require.NoError(t, (&Config{}).Validate())
}

// deadlineSpy counts the write deadlines set on a connection.
type deadlineSpy struct {
	net.Conn
	set atomic.Int32
}

func (d *deadlineSpy) SetWriteDeadline(t time.Time) error {
	d.set.Add(1)
	return d.Conn.SetWriteDeadline(t)
}

// A negative WriteByteTimeout means no bound, as on HTTP/1.1: the
// connection works and never sets a write deadline.
func TestNegativeWriteByteTimeoutMeansNoBound(t *testing.T) {
	for _, d := range []time.Duration{-1, 0} {
		runSynctest(t, func(t *testing.T) {
			c, s := memconn.Pipe()
			spy := &deadlineSpy{Conn: c}
			cc, err := NewClientConn(spy, &Config{WriteByteTimeout: d}, nil, nil)
			require.NoError(t, err)
			go io.Copy(io.Discard, s)
			synctest.Wait()
			if d < 0 {
				require.Zero(t, spy.set.Load(), "no write deadline may be set")
			} else {
				require.NotZero(t, spy.set.Load(), "the default bound sets a deadline")
			}
			cc.Close()
			s.Close()
		})
	}
}
