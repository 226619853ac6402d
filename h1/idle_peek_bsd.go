//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package h1

import (
	"syscall"
	"unsafe"
)

// peekSocket looks at one byte waiting on the socket fd without taking it.
func peekSocket(fd uintptr, b *byte) (int, syscall.Errno) {
	n, _, err := syscall.Recvfrom(int(fd), unsafe.Slice(b, 1), syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	if errno, ok := err.(syscall.Errno); ok {
		return 0, errno
	}
	if err != nil {
		return 0, syscall.EIO
	}
	return n, 0
}
