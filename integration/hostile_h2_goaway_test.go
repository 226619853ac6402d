package integration

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/h2peer"
)

var _ = registerSuite("TestHostileH2GoAwayLastStreamID", TestHostileH2GoAwayLastStreamID)

// TestHostileH2GoAwayLastStreamID sends GOAWAY with each possible last
// stream id while three requests (a GET, a POST and a GET, streams 1, 3, 5)
// are open. Streams at or below it finish on the old connection; those
// above it were not processed (RFC 9113 §6.8), so plex sends them again,
// POST included, on a new connection, and each reaches the application
// exactly once.
func TestHostileH2GoAwayLastStreamID(t *testing.T) {
	for _, last := range []uint32{0, 1, 3, 5} {
		t.Run(fmt.Sprintf("last=%d", last), func(t *testing.T) {
			checks(t, "Faults: HTTP/2", "RFC 9113 §6.8", fmt.Sprintf("GOAWAY last_stream_id=%d with streams 1, 3, 5 open: streams above it are retried once elsewhere, POST included", last))
			synctest.Test(t, func(t *testing.T) { runGoAway(t, last) })
		})
	}
}

func runGoAway(t *testing.T, last uint32) {
	pc := newPipeClient(t, true, nil)
	post := newReq(t, http.MethodPost, "/3", bytes.NewReader([]byte("three")))
	chs := map[string]<-chan outcome{"/1": pc.get("/1")}
	p, _, reqs := pc.open()
	require.Len(t, reqs, 1)
	chs["/3"] = pc.start(post, true)
	synctest.Wait()
	chs["/5"] = pc.get("/5")
	ids := map[string]uint32{"/1": reqs[0].ID()}
	for _, path := range []string{"/3", "/5"} {
		p.WantHeaders(func(h *h2peer.Headers) { ids[path] = h.StreamID })
		if path == "/3" {
			require.Equal(t, "three", string(p.WantBody(ids[path])))
		}
	}
	require.Equal(t, map[string]uint32{"/1": 1, "/3": 3, "/5": 5}, ids)

	p.WriteGoAway(last, http2.ErrCodeNo, "draining")
	served := map[string]int{}
	for _, path := range []string{"/1", "/3", "/5"} {
		if ids[path] <= last {
			respond(p, ids[path], path)
			served[path]++
		}
	}
	if last < 5 {
		p2, _, again := pc.open()
		for _, r := range again {
			require.Greater(t, ids[r.Path()], last, "a request the server processed was sent again")
			if r.Path() == "/3" {
				require.Equal(t, "three", string(r.Body))
			}
			respond(p2, r.ID(), r.Path())
			served[r.Path()]++
		}
	}
	for path, ch := range chs {
		o := pc.done(ch)
		require.NoError(t, o.err, path)
		require.Equal(t, "served "+path, string(o.body))
	}
	require.Equal(t, map[string]int{"/1": 1, "/3": 1, "/5": 1}, served)
	wantDials := 1
	if last < 5 {
		wantDials = 2
	}
	require.Equal(t, wantDials, pc.pipes.Dials())
	p.WantClosed()
}

func respond(p *h2peer.Peer, id uint32, path string) {
	p.WriteHeaders(id, false, ":status", "200")
	p.WriteData(id, true, []byte("served "+path))
}

var _ = registerSuite("TestHostileH2GoAwayWithErrorFailsProcessedStreams", TestHostileH2GoAwayWithErrorFailsProcessedStreams)

// TestHostileH2GoAwayWithErrorFailsProcessedStreams: a GOAWAY with an
// error code followed by a hang-up fails the streams at or below its last
// id with an error naming the code, marked as maybe processed.
func TestHostileH2GoAwayWithErrorFailsProcessedStreams(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.8", "GOAWAY INTERNAL_ERROR then close: processed streams fail with h2.ConnectionError{Remote: true}, may have been processed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/")
		p, _, reqs := pc.open()
		p.WriteGoAway(reqs[0].ID(), http2.ErrCodeInternal, "crash")
		p.Conn().Close()
		o := pc.done(ch)
		var ce h2.ConnectionError
		require.ErrorAs(t, o.err, &ce)
		require.Equal(t, h2.ConnectionError{Code: h2.ErrCodeInternal, Reason: "crash", Remote: true}, ce)
		requireMaybeProcessed(t, o.err)
		require.Equal(t, 1, pc.pipes.Dials())
	})
}

// requireMaybeProcessed checks err says the request may have been processed:
// in its text, ahead of the cause, except for a stream error, whose text
// stays x/net's alone (programs parse it whole), so that only errors.Is
// tells.
func requireMaybeProcessed(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, plex.ErrMaybeProcessed)
	var se h2.StreamError
	if errors.As(err, &se) && err.Error() == se.Error() {
		return
	}
	require.Contains(t, err.Error(), "plex: request may have been processed: ")
}

var _ = registerSuite("TestHostileH2GoAwayTwoStep", TestHostileH2GoAwayTwoStep)

// TestHostileH2GoAwayTwoStep is the graceful shutdown servers use: a first
// GOAWAY with last stream id 2^31-1 only stops new streams; a second one
// lowers it, and the streams above it are sent again on a new connection.
// A later GOAWAY may not raise the id again (RFC 9113 §6.8).
func TestHostileH2GoAwayTwoStep(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.8", "two-step GOAWAY (2^31-1, then 1, then 5 again): only stream 3 is retried, new requests go to a new connection")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch1 := pc.get("/1")
		p, _, reqs := pc.open()
		ch3 := pc.get("/3")
		p.WantHeaders(nil)
		p.WriteGoAway(1<<31-1, http2.ErrCodeNo, "")
		synctest.Wait()
		ch5 := pc.get("/5")
		p2, _, fresh := pc.open()
		require.Len(t, fresh, 1)
		require.Equal(t, "/5", fresh[0].Path())
		respond(p2, fresh[0].ID(), "/5")

		p.WriteGoAway(reqs[0].ID(), http2.ErrCodeNo, "")
		p.WriteGoAway(5, http2.ErrCodeNo, "")
		again := p2.WantHeaders(nil)
		respond(p2, again, "/3")
		respond(p, reqs[0].ID(), "/1")
		for path, ch := range map[string]<-chan outcome{"/1": ch1, "/3": ch3, "/5": ch5} {
			o := pc.done(ch)
			require.NoError(t, o.err, path)
			require.Equal(t, "served "+path, string(o.body))
		}
		require.Equal(t, 2, pc.pipes.Dials())
		p.WantClosed()
	})
}
