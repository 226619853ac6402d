package h2

import "time"

// Some servers limit how often a client may PING. grpc-go's, with its
// default keepalive enforcement, counts a strike for each PING that comes
// sooner than 5 minutes after the previous one (2 hours when the
// connection has no open streams), forgives the first PING after it sent
// HEADERS or DATA of its own, and answers the third strike with
// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"), failing every stream on the
// connection. Other servers are more lenient, so keeping within this
// policy keeps within theirs.
const (
	strictPingInterval     = 5 * time.Minute
	strictIdlePingInterval = 2 * time.Hour
	// maxOwnPingStrikes is the most strikes the connection's own PINGs
	// may cost: one below the limit, leaving a PING for Ping's callers.
	maxOwnPingStrikes = 1
)

// pingBudget follows what a server enforcing that policy thinks of the
// PINGs we sent. It is a plain value guarded by ClientConn.mu.
type pingBudget struct {
	lastSent time.Time
	strikes  int
	// forgive: HEADERS or DATA arrived since our last PING (or none was
	// sent yet), so the next PING is forgiven.
	forgive bool
}

func newPingBudget() pingBudget { return pingBudget{forgive: true} }

// gotHeadersOrData notes a HEADERS or DATA frame from the peer: the peer
// wrote it before it can read our next PING, so that PING is forgiven.
func (b *pingBudget) gotHeadersOrData() { b.forgive = true }

// free reports whether a PING now would be forgiven.
func (b *pingBudget) free() bool { return b.forgive }

// strikesAfter is the strike count a PING sent at now would leave.
func (b *pingBudget) strikesAfter(now time.Time, streams bool) int {
	if b.forgive {
		return 0
	}
	if b.lastSent.IsZero() || now.Sub(b.lastSent) >= interval(streams) {
		return b.strikes
	}
	return b.strikes + 1
}

// allowedAt is the earliest time a PING costs no new strike.
func (b *pingBudget) allowedAt(streams bool) time.Time {
	return b.lastSent.Add(interval(streams))
}

// sent records a PING written at now.
func (b *pingBudget) sent(now time.Time, streams bool) {
	b.strikes = b.strikesAfter(now, streams)
	b.lastSent = now
	b.forgive = false
}

func interval(streams bool) time.Duration {
	if streams {
		return strictPingInterval
	}
	return strictIdlePingInterval
}
