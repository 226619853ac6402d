package h1

import (
	"syscall"
	"unsafe"
)

// peekSocket looks at one byte waiting on the socket fd without taking it.
// MSG_DONTWAIT makes the call return at once, so it needs none of the
// scheduler bookkeeping of a call that may block: a raw syscall saves that
// cost on every request of a reused connection. No source address is
// asked for, so nothing is allocated or converted.
func peekSocket(fd uintptr, b *byte) (int, syscall.Errno) {
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(b)), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return int(n), errno
}
