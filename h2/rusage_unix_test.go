//go:build unix

package h2

import (
	"syscall"
	"time"
)

// rusage is the process's CPU time so far and its voluntary context
// switches: how often one of its threads blocked and was woken.
func rusage() (time.Duration, int64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), int64(ru.Nvcsw)
}
