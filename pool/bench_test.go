package pool

import (
	"context"
	"testing"
	"time"
)

// BenchmarkGetRelease measures the per-request path: a Get that finds a free
// conn, and the Release whose hook puts it back.
func BenchmarkGetRelease(b *testing.B) {
	for _, bc := range []struct {
		name string
		d    *fakeDialer
		key  Key
	}{
		{"h1", h1Dialer(), h1Key},
		{"h2", h2Dialer(100), h2Key},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := New(Config{Dial: bc.d.Dial, IdleConnTimeout: 90 * time.Second})
			defer p.Close()
			ctx := context.Background()
			c, _, err := p.Get(ctx, bc.key) // dial outside the timed loop
			if err != nil {
				b.Fatal(err)
			}
			c.Release()
			b.ReportAllocs()
			for b.Loop() {
				c, _, err := p.Get(ctx, bc.key)
				if err != nil {
					b.Fatal(err)
				}
				c.Release()
			}
		})
	}
}

// BenchmarkGetReleaseParallel is the same path under contention, on one
// multiplexed conn with room for every goroutine.
func BenchmarkGetReleaseParallel(b *testing.B) {
	p := New(Config{Dial: h2Dialer(1 << 20).Dial})
	defer p.Close()
	ctx := context.Background()
	c, _, err := p.Get(ctx, h2Key)
	if err != nil {
		b.Fatal(err)
	}
	c.Release()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, _, err := p.Get(ctx, h2Key)
			if err != nil {
				b.Error(err)
				return
			}
			c.Release()
		}
	})
}
