package header

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatusLine(t *testing.T) {
	require.Equal(t, "200 OK", StatusLine(200))
	require.Equal(t, "103 Early Hints", StatusLine(103))
	require.Empty(t, StatusLine(299))
	require.Empty(t, StatusLine(-1))
	require.Empty(t, StatusLine(1000))
	require.Zero(t, testing.AllocsPerRun(10, func() { _ = StatusLine(404) }))
}
