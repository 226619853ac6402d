package integration

import (
	"testing"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// BenchmarkInteropGet measures plex's per-request path (a GET of the 1000
// byte file, body read) against each real server and protocol:
//
//	go test -run '^$' -bench InteropGet -benchmem ./integration
func BenchmarkInteropGet(b *testing.B) {
	for _, k := range realserver.Kinds {
		for _, p := range realserver.Protos {
			b.Run(string(k)+"/"+string(p), func(b *testing.B) {
				s, err := realServer(k)
				if err != nil {
					b.Skipf("%s unavailable: %v", k, err)
				}
				base, ok := s.URL(p)
				if !ok {
					b.Skipf("%s does not offer %s", k, p)
				}
				tg := &interopTarget{srv: s, proto: p, url: base}
				c, err := plex.New(plex.WithTLSConfig(s.ClientTLS()), plex.WithProtocols(tg.plexProtocol()))
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				url := base + realserver.SmallFile
				want := realserver.Sum(realserver.File(realserver.SmallFile))
				if err := fetchSum(c, url, want); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := fetchSum(c, url, want); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
