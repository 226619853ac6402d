package integration

import (
	"bytes"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/memconn"
)

var _ = registerSuite("TestHostileH1PeerStopsReading", TestHostileH1PeerStopsReading)

// TestHostileH1PeerStopsReading: a server that never reads makes an
// upload's writes block. As for HTTP/2 (h1.DefaultWriteByteTimeout), a
// write that makes no progress must fail in bounded time even when the
// request has no deadline of its own.
func TestHostileH1PeerStopsReading(t *testing.T) {
	checks(t, "Faults: HTTP/1.1", "write timeout", "peer stops reading during an upload: the write fails in bounded time, may have been processed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, false, []faults.PipesOption{faults.WithConnOptions(memconn.Options{MaxBuffered: 16 << 10})})
		start := time.Now()
		ch := pc.start(newReq(t, http.MethodPost, "/upload", bytes.NewReader(pattern(1<<20))), true)
		s := pc.accept()
		o := pc.waitFor(ch)
		// The write that fills the buffer made progress, so it gets a
		// second bound; each is armed with a quarter of the timeout as
		// slack.
		require.LessOrEqual(t, time.Since(start), 2*(h1.DefaultWriteByteTimeout+h1.DefaultWriteByteTimeout/4))
		requireMaybeProcessed(t, o.err)
		require.Greater(t, s.Buffered(), 0)
		// A timeout that says which, as over HTTP/2, not the connection
		// the stalled write closed.
		var ne net.Error
		require.ErrorAs(t, o.err, &ne)
		require.True(t, ne.Timeout(), o.err.Error())
		require.ErrorContains(t, o.err, "h1: write made no progress")
	})
}
