package pool

import (
	"context"
	"testing"
	"time"
)

// BenchmarkGetReleaseCoalesced is BenchmarkGetRelease/h2 for an origin
// that rides another's conn, once approved: the judge is not asked again,
// so this is the per-request cost of a borrowed conn.
func BenchmarkGetReleaseCoalesced(b *testing.B) {
	j := &judge{approve: approveAll}
	p := New(Config{Dial: h2Dialer(100).Dial, IdleConnTimeout: 90 * time.Second, Coalesce: j.coalesce})
	defer p.Close()
	ctx := context.Background()
	for _, key := range []Key{aKey, bKey} {
		c, _, err := p.Get(ctx, key)
		if err != nil {
			b.Fatal(err)
		}
		c.Release()
	}
	b.ReportAllocs()
	for b.Loop() {
		c, info, err := p.Get(ctx, bKey)
		if err != nil || !info.Coalesced {
			b.Fatal(err, info.Coalesced)
		}
		c.Release()
	}
	if j.calls() != 1 {
		b.Fatalf("judge asked %d times", j.calls())
	}
}
