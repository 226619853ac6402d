package deadline

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type recordingConn struct {
	set []time.Time
	err error
}

func (c *recordingConn) SetWriteDeadline(t time.Time) error {
	c.set = append(c.set, t)
	return c.err
}

func TestLazyMovesOnlyWhenLessThanTheTimeoutRemains(t *testing.T) {
	var l Lazy
	c := &recordingConn{}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := 4 * time.Second
	l.Arm(c, t0, d)
	require.Equal(t, []time.Time{t0.Add(5 * time.Second)}, c.set)
	l.Arm(c, t0.Add(time.Second), d) // exactly d left: kept
	require.Len(t, c.set, 1)
	l.Arm(c, t0.Add(time.Second+1), d) // less than d left: moved
	require.Equal(t, t0.Add(time.Second+1).Add(5*time.Second), c.set[1])
	require.Equal(t, time.Second, Slack(d))
}

func TestLazyRearmsAfterAFailedSet(t *testing.T) {
	var l Lazy
	c := &recordingConn{err: errors.New("closed")}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Arm(c, t0, time.Second)
	l.Arm(c, t0, time.Second)
	require.Len(t, c.set, 2, "a deadline that was not set is not trusted")
}
