package contract

import (
	"io"
	"log"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func synctestRun(t *testing.T, f func(t *testing.T)) { synctest.Test(t, f) }

// quietLog drops the server's complaints about the faults the tests cause.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
