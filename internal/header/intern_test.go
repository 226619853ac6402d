package header

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInternedNamesBothWays(t *testing.T) {
	for _, k := range Common {
		require.Equal(t, k, Interned([]byte(k)))
		l := strings.ToLower(k)
		require.Equal(t, l, Lower(k))
		require.Equal(t, k, CanonicalOfLower(l))
	}
	require.Empty(t, Interned([]byte("X-Not-Common")))
	require.Empty(t, Interned(nil))
	require.Equal(t, "x-not-common", Lower("X-Not-Common"))
	require.Equal(t, "X-Not-Common", CanonicalOfLower("x-not-common"))
	require.Zero(t, testing.AllocsPerRun(10, func() {
		_ = Interned([]byte("Content-Type"))
		_ = Lower("Content-Type")
		_ = CanonicalOfLower("content-type")
	}))
}

// The tables stay sparse: most names sit in their first slot.
func TestInternTablesStaySparse(t *testing.T) {
	for _, tab := range []*internTable{&byCanonical, &byLower} {
		n, displaced := 0, 0
		for i, e := range tab {
			if e.key == "" {
				continue
			}
			n++
			if internHash(e.key) != uint(i) {
				displaced++
			}
		}
		require.Equal(t, len(Common), n)
		require.LessOrEqual(t, n, len(tab)/4)
		require.LessOrEqual(t, displaced, n/4, "too many names displaced")
	}
}
