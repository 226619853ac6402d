package plex

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPackageBoundaries keeps the layout of DESIGN.md true: pool knows no
// protocol, h1 and h2 know neither the pool nor each other.
func TestPackageBoundaries(t *testing.T) {
	const mod = "github.com/plexhttp/plex"
	forbidden := map[string][]string{
		"pool": {"alpn", "h1", "h2"},
		"h1":   {"pool", "h2", "alpn"},
		"h2":   {"pool", "h1", "alpn"},
		"alpn": {"pool", "h1", "h2"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", mod+"/"+pkg).Output()
		require.NoError(t, err, pkg)
		deps := strings.Fields(string(out))
		for _, b := range bad {
			require.NotContains(t, deps, mod+"/"+b, "%s must not import %s", pkg, b)
		}
		for _, d := range deps {
			require.NotEqual(t, mod, d, "%s must not import the root package", pkg)
		}
	}
}
