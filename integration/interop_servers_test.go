package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
	"github.com/plexhttp/plex/internal/testcert"
)

// The real servers are started at most once per test binary, on first use,
// and stopped by stopRealServers from TestMain.
var (
	realServersMu  sync.Mutex
	realServers    = map[realserver.Kind]func() (*realserver.Server, error){}
	realServersDir string // guarded by realServersMu; created on first use
	startedServers []*realserver.Server
)

func realServer(k realserver.Kind) (*realserver.Server, error) {
	realServersMu.Lock()
	start, ok := realServers[k]
	if !ok {
		start = sync.OnceValues(func() (*realserver.Server, error) { return startRealServer(k) })
		realServers[k] = start
	}
	realServersMu.Unlock()
	return start()
}

func startRealServer(k realserver.Kind) (*realserver.Server, error) {
	certs, err := testcert.Default()
	if err != nil {
		return nil, err
	}
	realServersMu.Lock()
	if realServersDir == "" {
		realServersDir, err = os.MkdirTemp("", "plex-interop-")
		if err == nil {
			// Apache's children run as www-data and must reach their
			// document root.
			err = os.Chmod(realServersDir, 0o755)
		}
	}
	base := realServersDir
	realServersMu.Unlock()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(base, string(k))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := realserver.Start(ctx, k, realserver.Options{Dir: dir, Certs: certs, IdleTimeout: time.Second})
	if err != nil {
		return nil, err
	}
	realServersMu.Lock()
	startedServers = append(startedServers, s)
	realServersMu.Unlock()
	recordVersion(string(k), s.Version)
	return s, nil
}

// stopRealServers stops every server started and removes their files.
func stopRealServers() error {
	realServersMu.Lock()
	defer realServersMu.Unlock()
	var first error
	for _, s := range startedServers {
		if err := s.Stop(); err != nil && first == nil {
			first = fmt.Errorf("stop %s: %w", s.Kind, err)
		}
	}
	startedServers = nil
	if realServersDir != "" {
		os.RemoveAll(realServersDir)
		realServersDir = ""
	}
	return first
}

// inCI reports whether a missing server is a failure rather than a skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// interopTarget is one server spoken to with one protocol.
type interopTarget struct {
	srv   *realserver.Server
	proto realserver.Proto
	url   string // base URL, no trailing slash
}

// client returns a plex Client speaking only tg's protocol, closed with t.
func (tg *interopTarget) client(t *testing.T, opts ...plex.Option) *plex.Client {
	t.Helper()
	base := []plex.Option{plex.WithTLSConfig(tg.srv.ClientTLS()), plex.WithProtocols(tg.plexProtocol())}
	c, err := plex.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	return c
}

// plexProtocol is the one protocol a client for tg may speak.
func (tg *interopTarget) plexProtocol() plex.Protocol {
	return map[realserver.Proto]plex.Protocol{
		realserver.H2: plex.HTTP2, realserver.H1TLS: plex.HTTP1,
		realserver.H2C: plex.UnencryptedHTTP2, realserver.H1: plex.HTTP1,
	}[tg.proto]
}

// wantProto is the resp.Proto tg's protocol gives.
func (tg *interopTarget) wantProto() string {
	if tg.proto == realserver.H2 || tg.proto == realserver.H2C {
		return "HTTP/2.0"
	}
	return "HTTP/1.1"
}

func (tg *interopTarget) isH2() bool { return tg.proto == realserver.H2 || tg.proto == realserver.H2C }

// useServer returns the server of kind k, skipping t (failing it in CI)
// when it cannot be started.
func useServer(t *testing.T, k realserver.Kind) *realserver.Server {
	t.Helper()
	s, err := realServer(k)
	if err != nil {
		if inCI() {
			t.Fatalf("%s: %v", k, err)
		}
		skipInterop(t, fmt.Sprintf("%s unavailable: %v", k, err))
	}
	return s
}

// forEachTarget runs fn in a parallel subtest "server/proto" for every
// server and every protocol in protos, recording each outcome under
// behaviour for the interopMatrix. A protocol the server does not offer is
// recorded as not applicable.
func forEachTarget(t *testing.T, behaviour string, protos []realserver.Proto, fn func(t *testing.T, tg *interopTarget)) {
	forEachTargetLocked(t, behaviour, protos, false, fn)
}

// forEachTargetExclusive is forEachTarget for a test that disturbs the
// server (a reload): no other interop test uses that server meanwhile.
func forEachTargetExclusive(t *testing.T, behaviour string, protos []realserver.Proto, fn func(t *testing.T, tg *interopTarget)) {
	forEachTargetLocked(t, behaviour, protos, true, fn)
}

func forEachTargetLocked(t *testing.T, behaviour string, protos []realserver.Proto, exclusive bool, fn func(t *testing.T, tg *interopTarget)) {
	for _, k := range realserver.Kinds {
		for _, p := range protos {
			t.Run(string(k)+"/"+string(p), func(t *testing.T) {
				t.Parallel()
				mu := serverLock(k)
				if exclusive {
					mu.Lock()
					defer mu.Unlock()
				} else {
					mu.RLock()
					defer mu.RUnlock()
				}
				trackInterop(t, string(k), string(p), behaviour)
				s := useServer(t, k)
				url, ok := s.URL(p)
				if !ok {
					notApplicable(t, fmt.Sprintf("%s does not offer %s", k, p))
				}
				fn(t, &interopTarget{srv: s, proto: p, url: url})
			})
		}
	}
}
