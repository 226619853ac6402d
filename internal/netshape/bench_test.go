package netshape

import (
	"io"
	"net"
	"testing"
	"time"
)

// BenchmarkForward pushes a stream through a link with no rate limit and a
// small delay: the proxy's own capacity, which must sit well above the
// rates the benchmarks emulate.
//
//	go test ./internal/netshape -run '^$' -bench Forward
func BenchmarkForward(b *testing.B) {
	sunk := make(chan int64, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			sunk <- 0
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Minute))
		n, _ := io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
		sunk <- n
	}()
	p, err := Listen("127.0.0.1:0", ln.Addr().String(), Link{Delay: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Minute))
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if n := <-sunk; n != int64(b.N)*int64(len(buf)) {
		b.Fatalf("the sink got %d bytes, want %d", n, int64(b.N)*int64(len(buf)))
	}
}
