package alpn

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"testing"
)

// Dial runs once per connection, not per request; these benchmarks show
// what a new connection costs in this package on top of the kernel and TLS.

func BenchmarkDialCleartext(b *testing.B) {
	srv := serve(b, echo)
	d := &Dialer{}
	t := Target{Scheme: "http", Addr: srv.addr()}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, err := d.Dial(ctx, t)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

func BenchmarkDialTLS(b *testing.B) {
	srv := serve(b, echoTLS(defaultCerts(b).ServerTLS(ProtoH2, ProtoHTTP1)))
	for _, resume := range []bool{false, true} {
		name := "full"
		if resume {
			name = "resumed"
		}
		b.Run(name, func(b *testing.B) {
			d := trustingDialer(b)
			if resume {
				d.TLSConfig.ClientSessionCache = tls.NewLRUClientSessionCache(8)
			}
			t := Target{Scheme: "https", Addr: srv.addr()}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				c, err := d.Dial(ctx, t)
				if err != nil {
					b.Fatal(err)
				}
				// TLS 1.3 tickets arrive after the handshake: read the
				// echo so the next dial can resume.
				roundTrip(b, c, "x")
				c.Close()
			}
		})
	}
}

func BenchmarkDialConnectProxy(b *testing.B) {
	origin := serve(b, echo)
	p := startProxy(b, "", nil)
	d := &Dialer{H2C: true}
	t := Target{Scheme: "http", Addr: origin.addr(), Proxy: p.url("http", nil)}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, err := d.Dial(ctx, t)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
		<-p.reqs
	}
}

func BenchmarkSelectProtocol(b *testing.B) {
	offered := []string{ProtoH2, ProtoHTTP1}
	b.ReportAllocs()
	for b.Loop() {
		if p, ok := selectProtocol("", offered); !ok || p != ProtoHTTP1 {
			b.Fatal(p, ok)
		}
	}
}

func BenchmarkPrefixConnReadDrained(b *testing.B) {
	c := newPrefixConn(zeroConn{}, []byte("early"))
	buf := make([]byte, 4096)
	io.ReadFull(c, buf[:5])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// zeroConn reads zeros forever, to measure the read path alone.
type zeroConn struct{ net.Conn }

func (zeroConn) Read(p []byte) (int, error) { return len(p), nil }
