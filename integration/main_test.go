// Package integration runs plex end to end against real servers on
// loopback: Go's own net/http server, and the servers from Debian's
// packages that the interop tests start once per test binary (see
// realserver).
package integration

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	clearProxyEnv()
	goleak.VerifyTestMain(withRealServers{m})
}

// Clients read proxies from the environment by default; these tests reach
// their own servers whatever the machine's settings are.
func clearProxyEnv() {
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		os.Unsetenv(k)
	}
}

// withRealServers stops the shared real servers after the tests, before the
// leak check, and writes the interop interopMatrix when PLEX_WRITE_MATRIX=1.
type withRealServers struct{ m *testing.M }

func (w withRealServers) Run() int {
	code := w.m.Run()
	if err := stopRealServers(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: stopping servers:", err)
		code = max(code, 1)
	}
	if os.Getenv("PLEX_WRITE_MATRIX") == "1" {
		if err := writeInteropMatrix("../docs/interop.md"); err != nil {
			fmt.Fprintln(os.Stderr, "integration: writing the interopMatrix:", err)
			code = max(code, 1)
		}
	}
	return code
}
