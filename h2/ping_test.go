package h2

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPeerPingIsAnswered(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		data := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
		h.p.WritePing(false, data)
		require.Equal(t, data, h.p.WantPingAck())
		h.p.WantIdle()
	})
}

func TestPingWaitsForAck(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		done := make(chan error, 1)
		go func() { done <- h.cc.Ping(context.Background()) }()
		data := h.p.WantPing()
		synctest.Wait()
		require.Empty(t, done)
		h.p.WritePing(true, data)
		synctest.Wait()
		require.NoError(t, <-done)
		h.p.WantIdle()
	})
}

func TestPingHonoursContext(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- h.cc.Ping(ctx) }()
		h.p.WantPing()
		time.Sleep(time.Second)
		synctest.Wait()
		require.ErrorIs(t, <-done, context.DeadlineExceeded)
		require.NoError(t, h.cc.Err())
		h.p.WantIdle()
	})
}

func TestHealthCheckPingAnswered(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{ReadIdleTimeout: 10 * time.Second, PingTimeout: 5 * time.Second})
		time.Sleep(10 * time.Second)
		data := h.p.WantPing()
		h.p.WritePing(true, data)
		time.Sleep(6 * time.Second)
		require.NoError(t, h.cc.Err())
		h.p.WantIdle()
	})
}

func TestHealthCheckClosesDeadConn(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{ReadIdleTimeout: 10 * time.Second, PingTimeout: 5 * time.Second})
		time.Sleep(10 * time.Second)
		h.p.WantPing()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		err := h.cc.Err()
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "got %v", err)
		require.Contains(t, err.Error(), "PING (health check) unanswered")
		h.p.WantClosed()
	})
}

func TestResetPingUnansweredClosesConn(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{PingTimeout: 5 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		ch := h.roundTrip(getCtx(t, ctx, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		cancel()
		h.result(ch)
		h.p.WantRSTStream(id, 0x8)
		h.p.WantPing()
		time.Sleep(5 * time.Second)
		synctest.Wait()
		require.Error(t, h.cc.Err())
		h.p.WantClosed()
	})
}
