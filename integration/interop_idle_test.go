package integration

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/integration/realserver"
)

// The server closes idle connections after a short keep-alive timeout
// while the client keeps sending requests spaced around that timeout: no
// request fails because it picked a connection the server had just closed.
func TestInteropServerClosesIdleConns(t *testing.T) {
	forEachTarget(t, "server closes idle conns", realserver.Protos, func(t *testing.T, tg *interopTarget) {
		idle := tg.srv.Caps.IdleTimeoutFor(tg.proto)
		if idle == 0 {
			notApplicable(t, string(tg.srv.Kind)+" never closes idle connections")
		}
		c := tg.client(t)
		want := realserver.Sum(realserver.File(realserver.SmallFile))
		require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want))
		// The pauses are the scenario under test, not synchronisation: each
		// next request goes out just before, at, or after the moment the
		// server closes the connection.
		for _, gap := range []time.Duration{idle - 30*time.Millisecond, idle + 30*time.Millisecond, idle + 300*time.Millisecond} {
			timer := time.NewTimer(gap)
			select {
			case <-timer.C:
			case <-t.Context().Done():
				timer.Stop()
				t.Fatal(t.Context().Err())
			}
			require.NoError(t, fetchSum(c, tg.url+realserver.SmallFile, want), "after %v idle", gap)
		}
		st := c.Stats()
		require.Greater(t, st.Dials, uint64(1), "the server never closed an idle connection")
		noteInterop(t, string(tg.srv.Kind), string(tg.proto), "server closes idle conns", "%s configured to close idle connections after %v", tg.srv.Kind, idle)
	})
}
