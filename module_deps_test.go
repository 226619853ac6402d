package plex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
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

	// golang.org/x/net's go.mod requires these.
	"golang.org/x/text":   "x/net's idna, which httpguts uses on host names",
	"golang.org/x/crypto": "required by x/net's go.mod",
	"golang.org/x/sys":    "required by x/net's go.mod",
	"golang.org/x/term":   "required by x/net's go.mod",

	// golang.org/x/text's go.mod requires these (for its generators); no
	// package of them is built.
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

// TestModuleGraphHoldsOnlyAllowedModules keeps an importer's module graph to
// x/net and the two test libraries: a module outside allowedModules in
// `go list -m all` would reach every program that imports plex.
func TestModuleGraphHoldsOnlyAllowedModules(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json", "all")
	// A go.work above the checkout would add its modules' graphs to this one.
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list -m -json all: %s", stderr.String())

	type module struct {
		Path    string
		Version string
		Main    bool
		Replace *struct{ Path, Version string }
	}
	var unexpected, replaced []string
	seen := 0
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var m module
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "decoding go list output")
		if m.Main {
			require.Equal(t, "github.com/plexhttp/plex", m.Path)
			continue
		}
		seen++
		if _, ok := allowedModules[m.Path]; !ok {
			unexpected = append(unexpected, m.Path+" "+m.Version)
		}
		// Importers ignore plex's replace directives, so a replacement would
		// make this graph differ from the one they get.
		if m.Replace != nil {
			replaced = append(replaced, m.Path+" => "+m.Replace.Path)
		}
	}
	require.NotZero(t, seen, "go list -m all named no dependency at all")
	require.Empty(t, unexpected, "modules outside allowedModules in plex's module graph (every importer would get them)")
	require.Empty(t, replaced, "replace directives in plex's go.mod (importers do not see them)")
}
