package main

import (
	"debug/buildinfo"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLibraryVersionsComeFromTheClientBinary(t *testing.T) {
	info := &buildinfo.BuildInfo{Deps: []*debug.Module{
		{Path: "github.com/plexhttp/plex", Version: "(devel)"},
		{Path: "github.com/valyala/fasthttp", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
		{Path: "golang.org/x/net", Version: "v0.62.0"},
		{Path: "golang.org/x/text", Version: "v0.43.0"},
	}}
	require.Equal(t, []string{
		"golang.org/x/net v0.62.0",
		"github.com/valyala/fasthttp v1.0.1",
	}, libraryVersions(info))
}
