package event

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPeerEnded(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, err := range []error{
		io.EOF,
		fmt.Errorf("h1: connection closed before response: %w", io.ErrUnexpectedEOF),
		// A server that closes with our request unread resets the
		// connection: the peer ended it all the same.
		fmt.Errorf("h1: connection closed before response (wrote 93 bytes): %w", reset),
		&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)},
	} {
		require.True(t, PeerEnded(err), "%v", err)
	}
	for _, err := range []error{
		nil,
		errors.New("h2: protocol error"),
		&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
	} {
		require.False(t, PeerEnded(err), "%v", err)
	}
}
