package integration

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// Prior-knowledge HTTP/2 to a server that speaks only HTTP/1.1 fails with
// an error that says so, not a FRAME_SIZE_ERROR, and it is not marked as
// possibly processed: the server took the preface for a request it could
// not serve and never saw ours.
func TestH2CToHTTP1Server(t *testing.T) {
	t.Run("go", func(t *testing.T) {
		var ours atomic.Int32
		s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != "PRI" { // Go's server hands the preface to the handler
				ours.Add(1)
			}
		}))
		checkH2CToHTTP1(t, s.URL)
		require.Zero(t, ours.Load(), "the request never reached the handler")
	})
	t.Run("nginx", func(t *testing.T) {
		srv := useServer(t, realserver.Nginx)
		u, ok := srv.URL(realserver.H1)
		require.True(t, ok)
		checkH2CToHTTP1(t, u)
	})
}

func checkH2CToHTTP1(t *testing.T, base string) {
	t.Helper()
	c := newClient(t, nil, plex.WithProtocols(plex.UnencryptedHTTP2))
	// A resend is fine when the server's reset ate its HTTP/1.1 answer (the
	// try then failed as a lost connection); the answer itself must never
	// cause one.
	var retriedAfterAnswer []error
	ctx := plex.WithRetryTrace(context.Background(), &plex.RetryTrace{Retry: func(ri plex.RetryInfo) {
		if strings.Contains(ri.Err.Error(), "speaks HTTP/1.1") {
			retriedAfterAnswer = append(retriedAfterAnswer, ri.Err)
		}
	}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/small.txt", http.NoBody)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.Error(t, err)
	require.ErrorContains(t, err, "h2: server at "+req.URL.Host+" speaks HTTP/1.1, not HTTP/2 with prior knowledge")
	require.ErrorContains(t, err, "HTTP/1.")
	require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
	require.Empty(t, retriedAfterAnswer, "a server that answered in HTTP/1.1 is not asked again")
}
