package plex

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	clearProxyEnv()
	goleak.VerifyTestMain(m)
}

// Clients read proxies from the environment by default; these tests reach
// their own servers whatever the machine's settings are.
func clearProxyEnv() {
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		os.Unsetenv(k)
	}
}
