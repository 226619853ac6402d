package ecosystem_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
)

// serveGRPC serves desc with grpc-go's default server options (keepalive
// enforcement included) over h2c on a loopback port, until the test ends,
// and returns the base URL.
func serveGRPC(t *testing.T, desc *grpc.ServiceDesc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := grpc.NewServer()
	s.RegisterService(desc, struct{}{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ln)
	}()
	t.Cleanup(func() {
		s.Stop()
		<-done
	})
	return "http://" + ln.Addr().String()
}
