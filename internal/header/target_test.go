package header

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBadTargetByte(t *testing.T) {
	for _, s := range []string{"", "/", "/a/b?c=d&e=%20", "*", "/ü?q=é", "/a|b{c}"} {
		require.Equal(t, -1, BadTargetByte(s), "%q", s)
	}
	for s, want := range map[string]int{
		"\x00":        0,
		"/a\rb":       2,
		"/a\nb":       2,
		"a b":         1,
		"/\tx":        1,
		"/x\x7f":      2,
		"q=1\r\nX: y": 3,
		"/\x1f":       1,
	} {
		require.Equal(t, want, BadTargetByte(s), "%q", s)
	}
}
