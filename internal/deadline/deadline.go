// Package deadline keeps a connection's write deadline ahead of its writes
// without moving it on every write.
//
// Moving a deadline is a call into the runtime's poller, too dear to pay on
// each write of each request. A Lazy deadline is armed a quarter of the
// timeout further out than needed and moved only once less than the full
// timeout remains, so a write that makes no progress fails after between d
// and 1.25*d, and a busy connection moves its deadline about once per d/4.
package deadline

import "time"

// slackDiv makes the slack of an armed deadline d/slackDiv.
const slackDiv = 4

// Conn is the part of net.Conn a Lazy deadline needs.
type Conn interface {
	SetWriteDeadline(time.Time) error
}

// Lazy is the write deadline armed on one connection. It is not safe for
// concurrent use: it belongs to whoever owns the connection's write side.
type Lazy struct {
	at time.Time // armed on the connection; zero if none
}

// Arm makes sure c's write deadline is at least d after now.
func (l *Lazy) Arm(c Conn, now time.Time, d time.Duration) {
	if l.at.Sub(now) >= d {
		return
	}
	l.at = now.Add(d + d/slackDiv)
	if c.SetWriteDeadline(l.at) != nil {
		l.at = time.Time{}
	}
}

// Slack is how much later than d a write without progress may fail.
func Slack(d time.Duration) time.Duration { return d / slackDiv }
