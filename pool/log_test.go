package pool

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// lockedBuffer lets the pool log from its dial goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLoggerRecordsDialAndConnEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf lockedBuffer
		logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		d := &fakeDialer{}
		p := newTestPool(t, d, Config{Logger: logger, MaxIdleConnsPerHost: 1})
		g := startGet(p, h1Key)
		synctest.Wait()
		d.call(0).fail(errors.New("connection refused"))
		synctest.Wait()
		require.Error(t, g.result().err)

		g0 := startGet(p, h1Key)
		synctest.Wait()
		c0 := d.call(1).succeed(false, 1)
		g0.mustConn(t)
		g1 := startGet(p, h1Key)
		synctest.Wait()
		c1 := d.call(2).succeed(false, 1)
		g1.mustConn(t)
		c0.Release()
		c1.Release()
		synctest.Wait()

		out := buf.String()
		require.Contains(t, out, `level=DEBUG msg="pool: dial start" origin=http://h1.example:80 conns=0 conn=1`)
		require.Contains(t, out, `level=DEBUG msg="pool: dial failed" origin=http://h1.example:80 conns=0 conn=1 err="connection refused"`)
		require.Contains(t, out, `level=DEBUG msg="pool: conn added" origin=http://h1.example:80 conns=2 conn=3`)
		// Closes come at Info with their reason: the second idle conn is
		// one above MaxIdleConnsPerHost.
		require.Contains(t, out, `level=INFO msg="pool: conn closed" origin=http://h1.example:80 conn=2 protocol=HTTP/1.1 reason=idle_limit requests=1 conns=1`)
	})
}
