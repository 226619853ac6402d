package contract

import (
	"io"
	"log"
	"os"
	"testing"
	"testing/synctest"

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

func synctestRun(t *testing.T, f func(t *testing.T)) { synctest.Test(t, f) }

// quietLog drops the server's complaints about the faults the tests cause.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
