package h2

import (
	"context"
	"fmt"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// openBody opens a GET against the scripted peer and returns the stream id
// and the response body, the peer having sent the response headers.
func (h *harness) openBody() (uint32, io.ReadCloser) {
	h.t.Helper()
	ch := h.roundTrip(get(h.t, "https://example.com/"))
	id := h.p.WantHeaders(nil)
	h.p.WriteHeaders(id, false, ":status", "200")
	r := h.result(ch)
	require.NoError(h.t, r.err)
	return id, r.resp.Body
}

// writeFrames sends n full 16 KiB DATA frames on id.
func (h *harness) writeFrames(id uint32, n int) {
	frame := make([]byte, 16<<10)
	for range n {
		h.p.WriteData(id, false, frame)
	}
}

// The sample, frame by frame: half the stream window arrives, a PING with
// the BDP payload goes out; the window's other half arrives before its ACK
// 50 ms later, enough to say the window is the limit, so it doubles. The
// first read announces the larger window, and the peer may then send
// exactly up to it: accounting and the peer's view agree to the byte.
func TestBDPSampleGrowsTheStreamWindowExactly(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		id, body := h.openBody()
		h.writeFrames(id, 31)
		h.p.WantIdle()
		h.writeFrames(id, 1)
		require.Equal(t, bdpPingData, h.p.WantPing(), "half the window arrived: a sample starts")
		h.writeFrames(id, 32) // the stream window is spent
		h.p.WantIdle()
		time.Sleep(longRTT)
		h.p.WritePing(true, bdpPingData)
		synctest.Wait()
		// The connection window (16 MiB) is already twice the new stream
		// window: nothing to announce until the application reads.
		h.p.WantIdle()

		n, err := body.Read(make([]byte, 1))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, uint32(mib), h.p.WantWindowUpdate(id), "the growth rides on the first read")
		h.p.WantIdle()

		h.writeFrames(id, 64) // exactly the new room: 2 MiB in all, 1 byte read
		require.Equal(t, bdpPingData, h.p.WantPing(), "after a growth the next sample starts at once")
		synctest.Wait()
		h.p.WantIdle()
		require.NoError(t, h.cc.Err())
		h.p.WriteData(id, false, []byte{1})
		h.p.WantRSTStream(id, http2.ErrCodeFlowControl)
		require.NoError(t, h.cc.Err(), "a stream error, not a connection error")
	})
}

// Nothing is sampled on an idle connection, nor for bodies too short for
// the window to matter.
func TestNoBDPPingWithoutBulkData(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		time.Sleep(time.Hour)
		h.p.WantIdle()
		for range 4 {
			id, body := h.openBody()
			h.writeFrames(id, 24) // 384 KiB: under half the stream window
			h.p.WriteData(id, true, nil)
			b, err := io.ReadAll(body)
			require.NoError(t, err)
			require.Len(t, b, 24<<14)
		}
		h.p.WantIdle()
		time.Sleep(time.Hour)
		h.p.WantIdle()
	})
}

// An ACK whose payload matches nothing is ignored, as before; so is the
// BDP payload when no sample is under way. Other PINGs keep working while
// a sample is out.
func TestPingAcksBesideABDPSample(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		id, _ := h.openBody()
		h.writeFrames(id, 32)
		require.Equal(t, bdpPingData, h.p.WantPing())

		h.p.WritePing(true, [8]byte{9, 9, 9, 9, 9, 9, 9, 9})
		done := make(chan error, 1)
		go func() { done <- h.cc.Ping(context.Background()) }()
		data := h.p.WantPing()
		require.NotEqual(t, bdpPingData, data)
		h.p.WritePing(true, data)
		synctest.Wait()
		require.NoError(t, <-done)
		h.cc.mu.Lock()
		require.True(t, h.cc.bdp.out, "the sample waits for its own ACK")
		h.cc.mu.Unlock()

		h.p.WritePing(true, bdpPingData)
		h.p.WritePing(true, bdpPingData) // a duplicate
		synctest.Wait()
		h.cc.mu.Lock()
		require.False(t, h.cc.bdp.out)
		require.Equal(t, uint32(DefaultInitialStreamWindowSize), h.cc.bdp.streamWin, "nothing arrived during the sample")
		h.cc.mu.Unlock()
		h.p.WantIdle()
		require.NoError(t, h.cc.Err())
	})
}

// A BDP PING counts in the budget kept for servers that limit PINGs: a
// stream reset right after it, with no HEADERS or DATA since, goes without
// the PING that would otherwise check the connection.
func TestBDPPingCountsInThePingBudget(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil, http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})
		id, _ := h.openBody()
		h.writeFrames(id, 32)
		h.p.WritePing(true, h.p.WantPing())
		synctest.Wait()
		h.cancelStream()
		h.p.WantIdle()
		require.Equal(t, 9, h.cc.Available())
	})
}

// A reader that stops after its stream's window grew to the cap holds at
// most the cap, and a stream nobody reads never gets more than the initial
// window, however fast the connection: buffering stays bounded by the caps.
func TestSlowReaderBuffersAtMostTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cc, _ := connOverPath(t, nil, time.Millisecond, 0)

		respA, err := cc.RoundTrip(mustGet(t, fmt.Sprintf("http://peer/%d/1", 256*mib)))
		require.NoError(t, err)
		respB, err := cc.RoundTrip(mustGet(t, fmt.Sprintf("http://peer/%d/2", 256*mib)))
		require.NoError(t, err)
		_, err = io.CopyN(io.Discard, respA.Body, 32*mib)
		require.NoError(t, err)
		synctest.Wait() // the reader stopped; the peer sends all it may

		cc.mu.Lock()
		defer cc.mu.Unlock()
		require.Equal(t, uint32(DefaultMaxStreamWindowSize), cc.bdp.streamWin)
		var a, b *stream
		for _, cs := range cc.streams {
			switch cs.req.URL.Path {
			case respA.Request.URL.Path:
				a = cs
			case respB.Request.URL.Path:
				b = cs
			}
		}
		require.Equal(t, int64(DefaultMaxStreamWindowSize), a.recv.size, "the stream read from has the grown window")
		require.LessOrEqual(t, a.rbuf.Len(), DefaultMaxStreamWindowSize, "and holds no more")
		require.Equal(t, int64(DefaultInitialStreamWindowSize), b.recv.size, "the stream never read keeps the initial window")
		require.LessOrEqual(t, b.rbuf.Len(), DefaultInitialStreamWindowSize)
		require.Equal(t, int64(2*DefaultMaxStreamWindowSize), cc.recvWin.size)
		require.LessOrEqual(t, int64(a.rbuf.Len()+b.rbuf.Len()), cc.recvWin.size)
	})
}
