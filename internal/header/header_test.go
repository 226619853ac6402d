package header

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValueMatchesGetForCanonicalKeys(t *testing.T) {
	h := http.Header{}
	h.Add("Content-Encoding", "gzip")
	h.Add("Content-Encoding", "br")
	h["X-Empty"] = nil
	for _, k := range []string{"Content-Encoding", "X-Empty", "Missing"} {
		require.Equal(t, h.Get(k), Value(h, k), k)
	}
}

func TestInvalid(t *testing.T) {
	_, _, ok := Invalid(http.Header{"X-Ok": {"fine\tvalue"}})
	require.True(t, ok)
	name, badName, ok := Invalid(http.Header{"Bad Name": {"v"}})
	require.False(t, ok)
	require.True(t, badName)
	require.Equal(t, "Bad Name", name)
	name, badName, ok = Invalid(http.Header{"X-Secret": {"a\r\nb"}})
	require.False(t, ok)
	require.False(t, badName)
	require.Equal(t, "X-Secret", name)
}

func TestCommonIsCanonicalAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Common {
		require.Equal(t, http.CanonicalHeaderKey(k), k)
		require.False(t, seen[k], "%s listed twice", k)
		seen[k] = true
	}
}
