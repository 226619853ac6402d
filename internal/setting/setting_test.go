package setting

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestErrorsJoinsEveryInvalidValue(t *testing.T) {
	e := NewErrors("h2")
	require.NoError(t, e.Err())
	e.NonNegative("PingTimeout", 0)
	e.NonNegative("PingTimeout", time.Second)
	require.NoError(t, e.Err())
	e.NonNegative("PingTimeout", -time.Second)
	e.Addf("MaxReadFrameSize %d outside %d..%d", 1, 16384, 16777215)
	err := e.Err()
	require.EqualError(t, err, "h2: PingTimeout -1s is negative\nh2: MaxReadFrameSize 1 outside 16384..16777215")
	require.Len(t, strings.Split(err.Error(), "\n"), 2)
}

func TestWriteTimeout(t *testing.T) {
	require.Equal(t, WriteByteTimeout, WriteTimeout(0))
	require.Zero(t, WriteTimeout(-1), "negative: no bound")
	require.Equal(t, 5*time.Second, WriteTimeout(5*time.Second))
}
