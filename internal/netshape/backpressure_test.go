package netshape

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func pattern(i int64) byte { return byte(i % 251) }

// A receiver that stops reading fills the proxy up to its limit and no
// further: the sender is held back by TCP, and once the receiver reads
// again every byte the sender wrote arrives, in order.
func TestAStalledReaderHoldsTheProxyAtItsLimit(t *testing.T) {
	link := Link{Delay: time.Millisecond, QueueBytes: 300 << 10}
	resume := make(chan struct{})
	received := make(chan error, 1)
	var got int64
	u := startUpstream(t, func(c *net.TCPConn) {
		select {
		case <-resume:
		case <-time.After(testDeadline):
			received <- fmt.Errorf("never resumed")
			return
		}
		r := bufio.NewReaderSize(c, 64<<10)
		for ; ; got++ {
			b, err := r.ReadByte()
			if err == io.EOF {
				received <- nil
				return
			}
			if err != nil {
				received <- err
				return
			}
			if b != pattern(got) {
				received <- fmt.Errorf("byte %d is %d, want %d", got, b, pattern(got))
				return
			}
		}
	})
	p := startProxy(t, u.addr(), link)
	c := dial(t, p)

	var sent atomic.Int64
	var stopSending atomic.Bool
	sendErr := make(chan error, 1)
	go func() {
		buf := make([]byte, 32<<10)
		for !stopSending.Load() {
			for i := range buf {
				buf[i] = pattern(sent.Load() + int64(i))
			}
			n, err := c.Write(buf)
			sent.Add(int64(n))
			if err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- c.CloseWrite()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	for p.PeakHeld() < link.Limit() {
		select {
		case <-ctx.Done():
			t.Fatalf("the proxy held at most %d bytes, never its limit %d", p.PeakHeld(), link.Limit())
		case <-time.After(time.Millisecond):
		}
	}
	stopSending.Store(true)
	close(resume)
	require.NoError(t, <-sendErr)
	require.NoError(t, <-received)
	require.Equal(t, sent.Load(), got)
	require.Equal(t, link.Limit(), p.PeakHeld(), "held more than its limit")
}
