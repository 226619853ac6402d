//go:build race

package sockio

import "syscall"

// The race detector learns from syscall.Read and syscall.Write that what
// one goroutine wrote to a file descriptor happened before what another
// read from one; raw calls tell it nothing, and data handed over through a
// socket would then look like a race. Empty reads and writes through the
// syscall package restore that ordering, in race-enabled builds only.

func raceReleaseIO(fd uintptr) { syscall.Write(int(fd), nil) }

func raceAcquireIO(fd uintptr) { syscall.Read(int(fd), nil) }
