package alpn

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// The dial's *net.OpError reaches the caller as it is, as net/http hands
// it on, so callers written for net/http can type-assert it.
func TestDialOpErrorIsReturnedAsItIs(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	d := &Dialer{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, refused }}
	_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80"})
	require.Same(t, refused, err)
}

// When the dial timeout ran out but net reports its own deadline (which
// does not match context.DeadlineExceeded), the error is still a
// *net.OpError with net's text, and matches the context's error too.
func TestDialOpErrorAfterTheDeadlineMatchesIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialTimeout: time.Second, DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
		}}
		_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80"})
		oe, ok := err.(*net.OpError)
		require.True(t, ok, "got %T: %v", err, err)
		require.Equal(t, "dial tcp: i/o timeout", oe.Error())
		require.True(t, oe.Timeout())
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout())
	})
}
