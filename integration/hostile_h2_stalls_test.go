package integration

import (
	"bytes"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/memconn"
)

var _ = registerSuite("TestHostileH2PeerStopsReading", TestHostileH2PeerStopsReading)

// TestHostileH2PeerStopsReading: a server that stops reading makes the
// upload's writes block; the connection's write timeout
// (h2.DefaultWriteByteTimeout without progress) ends them instead of
// letting them block forever.
func TestHostileH2PeerStopsReading(t *testing.T) {
	checks(t, "Faults: HTTP/2", "write timeout", "peer stops reading during an upload: the write fails after h2.DefaultWriteByteTimeout without progress, may have been processed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, []faults.PipesOption{faults.WithConnOptions(memconn.Options{MaxBuffered: 16 << 10})})
		start := time.Now()
		ch := pc.start(newReq(t, http.MethodPost, "/upload", bytes.NewReader(pattern(1<<20))), true)
		// The server accepts the connection and never reads from it: the
		// first 16 KiB of the upload fill the buffer.
		s := pc.accept()
		o := pc.waitFor(ch)
		require.GreaterOrEqual(t, time.Since(start), h2.DefaultWriteByteTimeout)
		// Progress is seen per write call: a call that moved some bytes
		// before stalling earns one more period, and each period is armed
		// with a quarter of the timeout as slack.
		require.LessOrEqual(t, time.Since(start), 2*(h2.DefaultWriteByteTimeout+h2.DefaultWriteByteTimeout/4))
		require.Greater(t, s.Buffered(), 0)
		var ne net.Error
		require.ErrorAs(t, o.err, &ne)
		require.True(t, ne.Timeout(), o.err.Error())
		require.ErrorContains(t, o.err, "h2: write made no progress")
		requireMaybeProcessed(t, o.err)
	})
}

var _ = registerSuite("TestHostileH2PeerStopsWriting", TestHostileH2PeerStopsWriting)

// TestHostileH2PeerStopsWriting: with WithReadIdleTimeout, a server that
// goes silent is probed with a PING and, unanswered, the connection is
// failed after the PING timeout instead of the request waiting forever.
func TestHostileH2PeerStopsWriting(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.7", "peer stops writing: health-check PING after the read idle timeout, connection failed when it goes unanswered")
	synctest.Test(t, func(t *testing.T) {
		const idle, pingWait = 10 * time.Second, 5 * time.Second
		pc := newPipeClient(t, true, nil, plex.WithReadIdleTimeout(idle), plex.WithPingTimeout(pingWait))
		ch := pc.get("/")
		p, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		start := time.Now()
		p.WantPing()
		require.Equal(t, idle, time.Since(start))
		o := pc.waitFor(ch)
		require.Equal(t, idle+pingWait, time.Since(start))
		var ne net.Error
		require.ErrorAs(t, o.err, &ne)
		require.True(t, ne.Timeout())
		require.Contains(t, o.err.Error(), "PING (health check) unanswered")
		requireMaybeProcessed(t, o.err)
		p.WantClosed()
	})
}

var _ = registerSuite("TestHostileH2TrickledResponse", TestHostileH2TrickledResponse)

// TestHostileH2TrickledResponse: frames split across one-byte reads are
// reassembled exactly.
func TestHostileH2TrickledResponse(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §4.1", "response trickled one byte per read: every byte delivered intact")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, []faults.PipesOption{faults.WithConnOptions(memconn.Options{Trickle: 1})})
		want := pattern(100 << 10)
		ch := pc.get("/")
		p, lim, reqs := pc.open()
		id := reqs[0].ID()
		p.WriteHeaders(id, false, ":status", "200", "x-trailing", "yes")
		for rest := want; len(rest) > 0; {
			k := min(len(rest), int(lim.MaxFrameSize))
			p.WriteData(id, k == len(rest), rest[:k])
			rest = rest[k:]
		}
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, sum(want), sum(o.body))
		require.Equal(t, "yes", o.resp.Header.Get("X-Trailing"))
	})
}
