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
