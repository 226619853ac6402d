package h2

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		// This process is a benchmark's server (bench_process_test.go).
		os.Exit(serveForBenchmark())
	}
	goleak.VerifyTestMain(m)
}
