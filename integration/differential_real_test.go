package integration

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/plexhttp/plex/integration/realserver"
)

// Exchanges with nginx, for what a real server does its own way: its
// headers, its 100 Continue, its 404 page.
func diffRealServerScenarios() []diffScenario {
	return []diffScenario{
		{name: "nginx get", protos: allProtos, path: realserver.SmallFile, setup: nginxTarget},
		{name: "nginx get on a reused connection", protos: allProtos, path: realserver.SmallFile, warm: true, setup: nginxTarget},
		{name: "nginx 404", protos: allProtos, path: realserver.Missing, setup: nginxTarget},
		{
			name: "nginx 100-continue", protos: allProtos, setup: nginxTarget,
			method: http.MethodPost, path: realserver.SumPath,
			cfg:    diffConfig{expectContinueTimeout: time.Second},
			header: http.Header{"Expect": {"100-continue"}},
			body:   func() io.Reader { return bytes.NewReader(pattern(64 << 10)) },
		},
	}
}

// nginxTarget is the shared nginx, spoken to with p; the test fails in CI
// and skips elsewhere when nginx cannot be started.
func nginxTarget(t *testing.T, p diffProto) diffTarget {
	t.Helper()
	mu := serverLock(realserver.Nginx)
	mu.RLock()
	t.Cleanup(mu.RUnlock)
	s := useServer(t, realserver.Nginx)
	proto := map[diffProto]realserver.Proto{dH1: realserver.H1TLS, dH2: realserver.H2, dH1C: realserver.H1, dH2C: realserver.H2C}[p]
	url, ok := s.URL(proto)
	if !ok {
		t.Fatalf("nginx does not offer %s", proto)
	}
	tg := diffTarget{url: url}
	if p.tls() {
		tg.tls = s.ClientTLS()
	}
	return tg
}
