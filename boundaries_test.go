package plex

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
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

// TestRootIsProtocolBlind keeps the protocol packages out of the root's
// request path: they are named where a connection is built (dial.go) and
// configured (client.go, options.go) and nowhere else, so a retry decision
// or a hint to a connection travels through the pool seam and the retry
// marks, never through a type assertion or an h2 error type.
func TestRootIsProtocolBlind(t *testing.T) {
	allowed := map[string]bool{"client.go": true, "dial.go": true, "options.go": true}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ImportsOnly)
	require.NoError(t, err)
	for _, p := range pkgs {
		for name, f := range p.Files {
			for _, imp := range f.Imports {
				path := strings.Trim(imp.Path.Value, `"`)
				if path == "github.com/plexhttp/plex/h1" || path == "github.com/plexhttp/plex/h2" {
					require.True(t, allowed[filepath.Base(name)], "%s imports %s", name, path)
				}
			}
		}
	}
}
