package faults

import (
	"context"
	"io"
	"testing"
)

// BenchmarkPipesExchange is the per-connection cost a hostile test pays:
// dial, accept, one request and response of 64 bytes each, close.
func BenchmarkPipesExchange(b *testing.B) {
	p := NewPipes()
	defer p.Close()
	ctx := context.Background()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		c, err := p.DialContext(ctx, "tcp", "x:80")
		if err != nil {
			b.Fatal(err)
		}
		s, err := p.Accept(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = c.Write(msg)
		_, _ = io.ReadFull(s, buf)
		_, _ = s.Write(msg)
		_, _ = io.ReadFull(c, buf)
		c.Close()
		s.Close()
	}
}

// BenchmarkHPACKBomb is the cost of building one bomb for a 1 MiB limit.
func BenchmarkHPACKBomb(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = HPACKBomb(1 << 20)
	}
}
