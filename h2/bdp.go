package h2

import "time"

// bdpEstimator grows the receive windows to what the path needs. A fixed
// window w lets one stream carry at most w bytes per round trip: 1 MiB at
// 50 ms is 168 Mbit/s, whatever the link. So, as grpc-go and hyper do, the
// connection measures its bandwidth-delay product with PINGs and widens the
// windows when they, not the link, are what limits the transfer.
//
// Sampling. When DATA arrives on a stream that has received at least half
// the current stream window, and no sample is under way and no PING of
// ours awaits its ACK, a PING with a payload of its own (bdpPingData) goes
// out; the DATA bytes received until its ACK are the sample, and the time
// to the ACK its round trip. A stream cannot be held back by its window
// before half of it has arrived, so short responses, however many, cost
// no PING.
//
// Growth. Credit goes back in batches of half a window (flow.go), so a
// peer held back by the window has between half and all of it in flight,
// and a sample of at least 7/16 of the stream window says the window may
// be the limit. When such a sample also shows the bandwidth up by an
// eighth or more on the best seen, the window was the limit: the stream
// window doubles, up to the cap, and the connection window becomes twice
// the stream window, up to its own cap. Requiring the bandwidth to rise is
// what stops the growth once the link is the limit, even behind a deep
// queue that stretches the round trip and so the samples (bufferbloat):
// the window ends within a doubling or two of what the link can carry,
// where doubling on every full sample would run to the cap. A sample that
// does not grow the window but shows the bandwidth rising (TCP's slow
// start on a fresh connection), or that follows a growth the peer had not
// seen for its whole length, starts the next sample at once; any other
// waits 2, 4 and then 8 round trips, and the fourth such sample in a row
// stops the sampling until a stream opened later is worth sampling. It
// stops for good once the stream window reaches its cap. So an idle
// connection sends no BDP PING, and a steady one stops sending them.
//
// Applying. The connection window grows at once (WINDOW_UPDATE on stream
// 0). A stream's window grows when the application reads from it: the
// increase rides on the stream WINDOW_UPDATE of that read (see
// responseBody.Read). SETTINGS_INITIAL_WINDOW_SIZE is left alone on
// purpose: it would hand the large window to every open stream, read or
// not, and while a goroutine waits on a stream the connection lends credit
// beyond its window until the other streams' windows are full (feed.go), so
// a hundred unread streams could be made to hold a hundred large windows.
// Streams nobody reads keep the initial window.
//
// Caps and memory. The stream cap (DefaultMaxStreamWindowSize, 16 MiB as in
// grpc-go and hyper) is what one slow reader of a once-fast stream can be
// made to hold. The connection cap, twice the stream cap but never below
// the initial connection window (32 MiB by default), bounds what all the
// streams hold together while no goroutine waits for bytes. With waiting
// readers the bound is the one feed.go states: the connection window plus
// the windows of the streams, which are the initial window for every stream
// the application has not read from.
//
// PING etiquette. A server enforcing grpc-go's keepalive policy
// (pingpolicy.go) forgives a PING that follows DATA it wrote. DATA arriving
// while none of our PINGs awaits an ACK was written after the server
// handled all of them, so the BDP PING it triggers is always forgiven; it
// is recorded in the ping budget all the same, so the health check and the
// reset PINGs count it. A BDP PING that is never answered only stops the
// sampling: it carries no timer.
//
// Cost: a few fields in ClientConn, no allocation, and one comparison per
// DATA frame and per body read once sampling has ended. Guarded by
// ClientConn.mu.
type bdpEstimator struct {
	// streamWin is the window streams get once read from; 0 when the
	// windows are fixed. Its cap is cc.cfg.MaxStreamWindowSize (0 when
	// fixed) and the connection window's follows from it.
	streamWin uint32

	out    bool  // the BDP PING awaits its ACK
	grew   bool  // the last sample grew the window
	stable uint8 // samples in a row that neither grew the window nor showed the bandwidth rising

	sample int64 // DATA bytes received since the BDP PING went out
	// quietTo is the last stream opened when sampling stopped, stable:
	// only a later stream starts it again.
	quietTo uint32
	bwMax   int64 // the best bandwidth sampled, bytes per second
	// sentAt is when the BDP PING went out; next, the earliest time the
	// next sample may start.
	sentAt time.Time
	next   time.Time
}

// bdpPingData is the payload of BDP PINGs. The other PINGs we send count
// up from 1 (pingState.next) and never reach it.
var bdpPingData = [8]byte{'p', 'l', 'e', 'x', 'b', 'd', 'p', 0}

// maxBDPStable is how many samples in a row may show nothing to gain
// before sampling stops until a new stream is worth it.
const maxBDPStable = 4

// adaptiveStreamCap is the stream window cap the windows may grow to, 0
// when they stay fixed (Config.MaxStreamWindowSize's rules).
func adaptiveStreamCap(c *Config) uint32 {
	if c == nil {
		return DefaultMaxStreamWindowSize
	}
	if c.DisableAdaptiveWindow {
		return 0
	}
	limit := c.MaxStreamWindowSize
	if limit == 0 {
		if c.InitialStreamWindowSize != 0 || c.InitialConnWindowSize != 0 {
			return 0 // explicit windows are fixed ones, as in grpc-go
		}
		limit = DefaultMaxStreamWindowSize
	}
	initial := c.InitialStreamWindowSize
	if initial == 0 {
		initial = DefaultInitialStreamWindowSize
	}
	if limit <= initial {
		return 0
	}
	return limit
}

// newBDPEstimator starts from cfg's initial windows (cfg has its defaults).
func newBDPEstimator(cfg *Config) bdpEstimator {
	if cfg.MaxStreamWindowSize == 0 {
		return bdpEstimator{}
	}
	return bdpEstimator{streamWin: cfg.InitialStreamWindowSize}
}

// countDataLocked counts n bytes of DATA that the connection window
// accepted into the sample under way, if any.
func (cc *ClientConn) countDataLocked(n uint32) {
	if b := &cc.bdp; b.out {
		// Bounded so that the bandwidth below cannot overflow, however
		// long the peer takes to answer.
		b.sample = min(b.sample+int64(n), 1<<32)
	}
}

// sampleLocked starts a sample (a.ping) when one is due after DATA for cs.
func (cc *ClientConn) sampleLocked(cs *stream, a *actions) {
	b := &cc.bdp
	if b.out || b.streamWin >= cc.cfg.MaxStreamWindowSize { // under way, fixed windows, or grown to the cap
		return
	}
	if cs.gotLen < int64(b.streamWin)/2 || len(cc.pings.out) != 0 || a.ping {
		return
	}
	if b.stable >= maxBDPStable {
		if cs.id <= b.quietTo {
			return
		}
		b.stable, b.next = 0, time.Time{} // a new stream worth sampling
	}
	now := time.Now()
	if now.Before(b.next) {
		return
	}
	b.out, b.sample, b.sentAt = true, 0, now
	cc.pings.budget.sent(now, len(cc.streams) > 0)
	a.ping, a.pingData = true, bdpPingData
}

// bdpAckLocked ends the sample when data is the BDP PING's ACK, growing
// the connection window into a when the sample says so. It reports whether
// the ACK was the BDP PING's.
func (cc *ClientConn) bdpAckLocked(data [8]byte, a *actions) bool {
	b := &cc.bdp
	if data != bdpPingData || !b.out {
		return false
	}
	b.out = false
	now := time.Now()
	rtt := max(now.Sub(b.sentAt), time.Microsecond)
	bw := b.sample * int64(time.Second) / int64(rtt)
	limited := 16*b.sample >= 7*int64(b.streamWin)
	falling := bw < b.bwMax-b.bwMax/8
	rising := bw > b.bwMax+b.bwMax/8
	b.bwMax = max(b.bwMax, bw)
	switch {
	case limited && rising:
		b.streamWin = uint32(min(2*int64(b.streamWin), int64(cc.cfg.MaxStreamWindowSize)))
		// Twice the stream window, never below the initial connection
		// window nor above the protocol's limit.
		target := min(maxWindow, max(int64(cc.cfg.InitialConnWindowSize), 2*int64(b.streamWin)))
		a.connWU += cc.recvWin.raise(uint32(target))
		b.grew, b.stable, b.next = true, 0, time.Time{}
	case rising || (b.grew && !falling):
		// The bandwidth still climbs without the window shown to be the
		// limit, or the last growth had not reached the peer for the
		// whole sample: look again at once.
		b.grew, b.stable, b.next = false, 0, time.Time{}
	default:
		b.grew = false
		b.stable++
		b.next = now.Add(rtt << b.stable)
		if b.stable == maxBDPStable {
			b.quietTo = cc.nextID - 2 // the last stream opened
		}
	}
	return true
}

// growStreamLocked raises cs's window to the current estimate as the
// application reads from it, returning the increment to announce.
func (cc *ClientConn) growStreamLocked(cs *stream) uint32 {
	return cs.recv.raise(cc.bdp.streamWin)
}

// maxStreamWindowLocked is the largest window any stream may have now.
func (cc *ClientConn) maxStreamWindowLocked() uint32 {
	return max(cc.cfg.InitialStreamWindowSize, cc.bdp.streamWin)
}
