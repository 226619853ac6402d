package integration

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

var _ = registerSuite("TestHostileH2FramesOnClosedStreams", TestHostileH2FramesOnClosedStreams)

// TestHostileH2FramesOnClosedStreams: after a stream ends (completed, or
// reset by us on cancellation) a peer may still have frames in flight for
// it. RFC 9113 §5.1 says to ignore them; their DATA still counts against
// the connection window and is given back, and a header block on a closed
// stream is still decoded, so the HPACK table stays in step for the next
// response.
func TestHostileH2FramesOnClosedStreams(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §5.1", "DATA, HEADERS and RST_STREAM on closed streams are ignored, HPACK stays in step, the connection lives on")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/done")
		p, _, reqs := pc.open()
		respond(p, reqs[0].ID(), "/done")
		require.NoError(t, pc.done(ch).err)

		ctx, cancel := context.WithCancel(context.Background())
		req := newReq(t, "GET", "/canceled", nil).WithContext(ctx)
		ch = pc.start(req, true)
		canceled := p.WantHeaders(nil)
		cancel()
		p.WantRSTStream(canceled, http2.ErrCodeCancel)
		wantPingAnswered(p)
		require.ErrorIs(t, pc.done(ch).err, context.Canceled)

		// Frames for both closed streams; the header block adds
		// "x-table: kept" to the dynamic table.
		p.WriteData(reqs[0].ID(), false, make([]byte, 1000))
		p.WriteHeaders(canceled, false, ":status", "200", "x-table", "kept")
		p.WriteData(canceled, true, make([]byte, 1000))
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeCancel)

		ch = pc.get("/next")
		next := p.WantHeaders(nil)
		// Encoded as an index into the dynamic table: decoding it needs
		// the ignored block to have been decoded.
		p.WriteHeaders(next, false, ":status", "200", "x-table", "kept")
		p.WriteData(next, true, []byte("ok"))
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "kept", o.resp.Header.Get("X-Table"))
		require.Equal(t, 1, pc.pipes.Dials())
		p.WantIdle()
	})
}
