package plex

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// allowedModules is every module that may appear in plex's module graph, and
// so in the graph of every program that imports plex, with the reason it is
// there. Module requirements, unlike imports, reach importers even when no
// package of the module is built: a module listed here can raise the version
// an importer has pinned. Keep the list short; a library that plex's tools
// or comparisons need belongs in a module of its own (see benchmarks/go.mod).
var allowedModules = map[string]string{
	"golang.org/x/net": "the HTTP/2 framer and HPACK behind h2",

	// golang.org/x/net's go.mod requires these: x/text for idna, which
	// httpguts uses on host names; the others for x/net packages plex does
	// not import (ipv4/ipv6, h2i), so none of their packages is built.
	"golang.org/x/text":   "x/net's idna, which httpguts uses on host names",
	"golang.org/x/crypto": "required by x/net's go.mod",
	"golang.org/x/sys":    "required by x/net's go.mod",
	"golang.org/x/term":   "required by x/net's go.mod",

	// golang.org/x/text's go.mod requires these for its message pipeline
	// and gotext command; no package of them is built for plex.
	"golang.org/x/tools": "required by x/text's go.mod",
	"golang.org/x/mod":   "required by x/text's go.mod",
	"golang.org/x/sync":  "required by x/text's go.mod",

	"github.com/stretchr/testify": "require in every test",
	"go.yaml.in/yaml/v3":          "required by testify's go.mod",
	"github.com/stretchr/objx":    "required by testify's go.mod",

	"go.uber.org/goleak": "the leak check in every package's TestMain",
	// goleak v1.3.0's go.mod requires these (an older testify's dependencies
	// and its own tests'); no package of them is built.
	"github.com/davecgh/go-spew":    "required by goleak's go.mod",
	"github.com/pmezard/go-difflib": "required by goleak's go.mod",
	"github.com/kr/pretty":          "required by goleak's go.mod",
	"gopkg.in/check.v1":             "required by goleak's go.mod",
	"gopkg.in/yaml.v3":              "required by goleak's go.mod",
}

// TestGoModRequiresOnlyAllowedModules checks the requirements go.mod lists
// itself: every module that provides a package to plex or its tests is
// there, so a new dependency shows up here first. It reads only go.mod.
func TestGoModRequiresOnlyAllowedModules(t *testing.T) {
	out, stderr, err := goCommand(t, "mod", "edit", "-json")
	require.NoError(t, err, "go mod edit -json: %s", stderr)
	var mod struct {
		Require []struct{ Path, Version string }
		Replace []struct {
			Old, New struct{ Path, Version string }
		}
	}
	require.NoError(t, json.Unmarshal(out, &mod), "decoding go mod edit -json")
	require.NotEmpty(t, mod.Require, "go.mod requires nothing, so go mod edit printed something else")
	var unexpected, replaced []string
	for _, r := range mod.Require {
		if _, ok := allowedModules[r.Path]; !ok {
			unexpected = append(unexpected, r.Path+" "+r.Version)
		}
	}
	// Importers ignore plex's replace directives, so a replacement would
	// make plex's tests run against a graph its importers never get.
	for _, r := range mod.Replace {
		replaced = append(replaced, r.Old.Path+" => "+r.New.Path)
	}
	require.Empty(t, unexpected, "go.mod requires modules outside allowedModules (every importer would get them)")
	require.Empty(t, replaced, "replace directives in go.mod (importers do not see them)")
}

// TestModuleGraphHoldsOnlyAllowedModules checks the whole graph, `go list
// -m all`, which adds what the listed modules' own go.mod files require:
// what an importer of plex gets. Reading that graph needs the go.mod file of
// every module in it, which a module cache filled for building alone lacks;
// offline, outside CI, the test skips rather than fail on that.
func TestModuleGraphHoldsOnlyAllowedModules(t *testing.T) {
	out, stderr, err := goCommand(t, "list", "-m", "-f", "{{.Main}} {{.Path}} {{.Version}}", "all")
	if err != nil && os.Getenv("CI") == "" && offline(stderr) {
		t.Skipf("go list -m all needs go.mod files it cannot fetch (offline?); CI runs this check:\n%s", stderr)
	}
	require.NoError(t, err, "go list -m all: %s", stderr)

	var unexpected []string
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		isMain, mod, ok := strings.Cut(line, " ")
		require.True(t, ok, "go list line %q", line)
		path, _, _ := strings.Cut(mod, " ")
		if isMain == "true" {
			require.Equal(t, "github.com/plexhttp/plex", path, "the main module")
			continue
		}
		seen++
		if _, ok := allowedModules[path]; !ok {
			unexpected = append(unexpected, mod)
		}
	}
	require.NotZero(t, seen, "go list -m all named no dependency at all")
	require.Empty(t, unexpected, "modules outside allowedModules in plex's module graph (every importer would get them)")
}

// goCommand runs the go command in the root module. A go.work above the
// checkout would add its modules' graphs, so workspaces are off.
func goCommand(t *testing.T, args ...string) (stdout []byte, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	stdout, err = cmd.Output()
	return stdout, errBuf.String(), err
}

// offline reports whether the go command failed for want of the module proxy.
func offline(stderr string) bool {
	for _, s := range []string{"module lookup disabled", "dial tcp", "no such host", "connection refused", "i/o timeout", "network is unreachable"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}
