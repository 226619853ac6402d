//go:build !unix

package h2

import "time"

// rusage is not counted off Unix.
func rusage() (time.Duration, int64) { return 0, 0 }
