package netshape

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestCloseEndsEveryConnectionAndLeavesNoGoroutine(t *testing.T) {
	served := make(chan struct{}, 3)
	u := startUpstream(t, func(c *net.TCPConn) {
		served <- struct{}{}
		io.Copy(io.Discard, c)
	})
	before := goleak.IgnoreCurrent()
	p, err := Listen("127.0.0.1:0", u.addr(), Link{Delay: 50 * time.Millisecond, BitsPerSecond: 8e6})
	require.NoError(t, err)
	var conns []*net.TCPConn
	for range 3 {
		c := dial(t, p)
		// Leave bytes in transit: 64 KiB at 1 MB/s is queued for a while.
		_, err := c.Write(make([]byte, 64<<10))
		require.NoError(t, err)
		conns = append(conns, c)
	}
	// Close once the proxy serves all three (it has dialed the upstream
	// for each), not while they may still wait in its accept queue.
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	for range conns {
		select {
		case <-served:
		case <-ctx.Done():
			t.Fatal("the proxy never forwarded every connection")
		}
	}
	require.NoError(t, p.Close())
	for _, c := range conns {
		_, err := c.Read(make([]byte, 1))
		require.Error(t, err, "the proxy's side of the connection should be closed")
	}
	goleak.VerifyNone(t, before)
	_, err = net.DialTimeout("tcp", p.Addr().String(), time.Second)
	require.Error(t, err, "the proxy should no longer accept")
	require.NoError(t, p.Close(), "a second Close")
}

func TestARefusingUpstreamClosesTheClientSide(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refusing := ln.Addr().String()
	ln.Close()
	p := startProxy(t, refusing, Link{Delay: time.Millisecond})
	c := dial(t, p)
	_, err = c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
	require.NoError(t, p.Close())
}

func TestListenRejectsANegativeLink(t *testing.T) {
	for _, l := range []Link{{Delay: -1}, {BitsPerSecond: -1}, {QueueBytes: -1}} {
		_, err := Listen("127.0.0.1:0", "127.0.0.1:1", l)
		require.ErrorContains(t, err, "netshape: negative")
	}
}
