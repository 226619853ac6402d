package h2

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// pathRun is the outcome of one download over a simulated path.
type pathRun struct {
	elapsed      time.Duration
	bytes        int
	maxStreamWin int64
	maxConnWin   int64
	pings        int
	// streamWin and connWin are the client's windows at the end.
	streamWin, connWin int64
}

// rate is the download's rate in bits per second of simulated time.
func (r pathRun) rate() float64 { return float64(r.bytes) * 8 / r.elapsed.Seconds() }

// downloadOverPath fetches one body of size bytes from a flowPeer across a
// path of the given round trip and rate (bytes per second), reading as fast
// as it arrives.
func downloadOverPath(t *testing.T, cfg *Config, rtt time.Duration, rate int64, size int) pathRun {
	var run pathRun
	synctest.Test(t, func(t *testing.T) {
		cc, p := connOverPath(t, cfg, rtt, rate)

		start := time.Now()
		req, err := http.NewRequest("GET", fmt.Sprintf("http://peer/%d/1", size), nil)
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			resp, err := cc.RoundTrip(req)
			if err != nil {
				done <- err
				return
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			run.bytes = int(n)
			done <- err
		}()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(time.Hour):
			t.Fatal("download did not finish in an hour of simulated time")
		}
		run.elapsed = time.Since(start)
		cc.mu.Lock()
		run.streamWin, run.connWin = int64(cc.maxStreamWindowLocked()), cc.recvWin.size
		cc.mu.Unlock()
		p.mu.Lock()
		defer p.mu.Unlock()
		require.NoError(t, p.err)
		run.maxStreamWin, run.maxConnWin, run.pings = p.maxStreamWin, p.maxWindow, p.pingsSeen
	})
	return run
}

const (
	gigabit    = 125_000_000 // bytes per second
	longRTT    = 50 * time.Millisecond
	mib        = 1 << 20
	bigPayload = 256 << 20
)

// One stream downloading 256 MiB over a 1 Gbit/s path with 50 ms of round
// trip: fixed 1 MiB windows hold it near 1 MiB per round trip (168 Mbit/s);
// adaptive windows reach the link's rate with a handful of PINGs. The
// clock is synctest's, so the figures are exact, not measured.
func TestAdaptiveWindowFillsLongFastPath(t *testing.T) {
	r := downloadOverPath(t, nil, longRTT, gigabit, bigPayload)
	t.Logf("adaptive: %.0f Mbit/s, %d PINGs, peer's largest stream window %d", r.rate()/1e6, r.pings, r.maxStreamWin)
	require.Equal(t, bigPayload, r.bytes)
	require.GreaterOrEqual(t, r.rate(), 0.85*8*gigabit)
	require.Greater(t, r.maxStreamWin, int64(4*mib), "the server had more than the initial window to send")
	require.Equal(t, int64(DefaultMaxStreamWindowSize), r.streamWin, "the stream window grew to its cap")
	require.Equal(t, int64(2*DefaultMaxStreamWindowSize), r.connWin, "the connection window grew to its cap")
	require.LessOrEqual(t, r.pings, 8, "sampling ends at the cap")

	fixed := downloadOverPath(t, &Config{InitialStreamWindowSize: mib}, longRTT, gigabit, 16*mib)
	t.Logf("fixed 1 MiB: %.0f Mbit/s", fixed.rate()/1e6)
	require.Less(t, fixed.rate(), 0.2*8*gigabit)
	require.Zero(t, fixed.pings)
}

// Behind a deep queue at 100 Mbit/s, the samples keep filling the window
// because the queue stretches the round trip; the window still stops
// within a doubling or two of the link's 625 KB, and once four samples in
// a row show nothing to gain the PINGs stop, until a later stream is
// worth sampling.
func TestAdaptiveWindowStopsAtTheLinkRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cc, p := connOverPath(t, nil, longRTT, gigabit/10)
		pings := func() int {
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.pingsSeen
		}
		download := func(tag, size int) {
			resp, err := cc.RoundTrip(mustGet(t, fmt.Sprintf("http://peer/%d/%d", size, tag)))
			require.NoError(t, err)
			n, err := io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			require.EqualValues(t, size, n)
		}

		download(1, 16*mib)
		first := pings()
		require.LessOrEqual(t, first, 8)
		cc.mu.Lock()
		win := cc.bdp.streamWin
		cc.mu.Unlock()
		require.Less(t, win, uint32(DefaultMaxStreamWindowSize), "the window stops short of the cap")
		download(2, 16*mib)
		require.Greater(t, pings(), first, "a new stream is sampled again")
		second := pings()
		download(3, 32*mib) // three seconds at 100 Mbit/s
		t.Logf("PINGs: %d, %d, %d; window %d", first, second, pings(), win)
		require.LessOrEqual(t, pings(), second+maxBDPStable)
	})
}

// Fixed windows, however they are asked for, never grow and never cost a
// PING.
func TestFixedWindowsSendNoBDPPing(t *testing.T) {
	for _, cfg := range []*Config{
		{InitialStreamWindowSize: mib},
		{InitialConnWindowSize: 16 * mib},
		{DisableAdaptiveWindow: true},
		{MaxStreamWindowSize: mib},
	} {
		r := downloadOverPath(t, cfg, longRTT, gigabit, 4*mib)
		require.Zero(t, r.pings, "%+v", cfg)
		require.Equal(t, int64(mib), r.maxStreamWin, "%+v", cfg)
		require.Equal(t, int64(16*mib), r.maxConnWin, "%+v", cfg)
		require.Equal(t, int64(mib), r.streamWin, "%+v", cfg)
		require.Equal(t, int64(16*mib), r.connWin, "%+v", cfg)
	}
	// An explicit maximum with explicit windows adapts, from those windows.
	r := downloadOverPath(t, &Config{InitialStreamWindowSize: mib / 2, MaxStreamWindowSize: 4 * mib}, longRTT, gigabit, 16*mib)
	require.NotZero(t, r.pings)
	require.Equal(t, int64(4*mib), r.streamWin)
	require.Greater(t, r.maxStreamWin, int64(mib/2))
	require.Equal(t, int64(16*mib), r.connWin, "twice the stream cap is below the initial connection window")
}

// connOverPath connects a ClientConn with cfg to a zero peer across a
// pathSim, inside a synctest bubble; the test's cleanup closes all three.
func connOverPath(t *testing.T, cfg *Config, rtt time.Duration, rate int64) (*ClientConn, *flowPeer) {
	path := newPathSim(rtt, rate)
	t.Cleanup(path.close)
	p := startZeroPeer(path.server)
	t.Cleanup(p.stop)
	cc, err := NewClientConn(path.client, cfg, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc, p
}

// startZeroPeer is a round-robin flowPeer whose bodies are zero bytes.
func startZeroPeer(conn net.Conn) *flowPeer {
	p := startFlowPeer(conn, orderRoundRobin, false, 1)
	p.mu.Lock()
	p.zeros = true
	p.mu.Unlock()
	return p
}

func mustGet(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	return req
}
