package internal

import (
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

func TestDeps(t *testing.T) {
	require.NotNil(t, http2.NewFramer)
	require.NotNil(t, hpack.NewEncoder)
	require.True(t, httpguts.ValidHeaderFieldName("a"))
}
