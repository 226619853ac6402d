//go:build unix

package h2

import "syscall"

// wakeups is the process's voluntary context switches so far: how often
// one of its threads blocked and was woken.
func wakeups() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return int64(ru.Nvcsw)
}
