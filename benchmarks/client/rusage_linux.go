package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func maxRSSOf(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// usageOf is a finished child's counters over its whole life.
func usageOf(ps *os.ProcessState) usage {
	u := usage{cpu: ps.UserTime() + ps.SystemTime()}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u.vcsw, u.ivcsw = ru.Nvcsw, ru.Nivcsw
	}
	return u
}

// procUsage reads a running process's counters from /proc, summed over its
// threads: the time each has run (schedstat, in nanoseconds, the same clock
// that getrusage's user+system time is split from) and its context
// switches.
func procUsage(pid int) (usage, bool) {
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*")
	if err != nil || len(tasks) == 0 {
		return usage{}, false
	}
	var u usage
	for _, t := range tasks {
		sched, err := os.ReadFile(t + "/schedstat")
		if err != nil {
			return usage{}, false
		}
		status, err := os.ReadFile(t + "/status")
		if err != nil {
			return usage{}, false
		}
		tu, ok := parseTaskUsage(string(sched), string(status))
		if !ok {
			return usage{}, false
		}
		u.cpu += tu.cpu
		u.vcsw += tu.vcsw
		u.ivcsw += tu.ivcsw
	}
	return u, true
}

// parseTaskUsage reads one thread's /proc schedstat and status files.
func parseTaskUsage(schedstat, status string) (usage, bool) {
	f := strings.Fields(schedstat)
	if len(f) == 0 {
		return usage{}, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return usage{}, false
	}
	u := usage{cpu: time.Duration(ns), vcsw: -1, ivcsw: -1}
	for _, l := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case err != nil:
		case k == "voluntary_ctxt_switches":
			u.vcsw = n
		case k == "nonvoluntary_ctxt_switches":
			u.ivcsw = n
		}
	}
	return u, u.vcsw >= 0 && u.ivcsw >= 0
}
