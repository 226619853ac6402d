// Package integration runs plex end to end against real servers on
// loopback: Go's own net/http server here; the servers from Debian's packages
// are started by the tests that need them.
package integration

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
