package timeout

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestIsANetTimeoutButNotTheContextsDeadline(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Errorf("h2: timeout awaiting response headers after %v", "5s"))
	var ne net.Error
	require.True(t, errors.As(err, &ne))
	require.True(t, ne.Timeout())
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	require.EqualError(t, err, "wrapped: h2: timeout awaiting response headers after 5s")
}

type endpoints struct{ local, remote net.Addr }

func (e endpoints) LocalAddr() net.Addr  { return e.local }
func (e endpoints) RemoteAddr() net.Addr { return e.remote }

func TestWriteErrorIsANetOpErrorThatTimesOut(t *testing.T) {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1000}
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2000}
	err := fmt.Errorf("h2: writing to connection: %w", WriteError(endpoints{local, remote}, Errorf("h2: write made no progress for %v", "1s")))
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "write", oe.Op)
	require.Equal(t, "tcp", oe.Net)
	require.True(t, oe.Timeout())
	var te *Error
	require.ErrorAs(t, err, &te, "the bound that expired stays reachable")
	require.EqualError(t, err, "h2: writing to connection: write tcp 127.0.0.1:1000->127.0.0.1:2000: h2: write made no progress for 1s")
}
