package integration

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/h2peer"
)

var _ = registerSuite("TestHostileH2FramesOnStreamsWeReset", TestHostileH2FramesOnStreamsWeReset)

// TestHostileH2FramesOnStreamsWeReset: after we reset a stream, the peer
// may still have frames in flight that it sent before it saw our
// RST_STREAM. RFC 9113 §5.1 says to ignore them; their DATA still counts
// against the connection window and is given back, and a header block is
// still decoded, so the HPACK table stays in step for the next response.
// RST_STREAM and WINDOW_UPDATE on a stream that completed are ignored too.
func TestHostileH2FramesOnStreamsWeReset(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §5.1", "DATA and HEADERS on a stream we reset, RST_STREAM and WINDOW_UPDATE on a completed one are ignored, HPACK stays in step, the connection lives on")
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
		p.WriteHeaders(canceled, false, ":status", "200", "x-table", "kept")
		p.WriteData(canceled, true, make([]byte, 1000))
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeCancel)
		p.WriteWindowUpdate(reqs[0].ID(), 1000)

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

var _ = registerSuite("TestHostileH2FramesAfterPeerClosedStream", TestHostileH2FramesAfterPeerClosedStream)

// TestHostileH2FramesAfterPeerClosedStream: a peer that sends DATA or
// HEADERS on a stream it already ended (END_STREAM) or reset (RST_STREAM)
// breaks RFC 9113 §5.1, and the client answers as nghttp2 (curl) does:
// GOAWAY(STREAM_CLOSED), then closes the connection. The next request goes
// out on a new connection.
//
// net/http differs on purpose: it ignores such frames
// (TestNetHTTPIgnoresFramesAfterPeerClosedStream shows it). plex is
// strict where the RFC is, for conformance testers, as nghttp2 is and
// interoperates with every server all the same.
func TestHostileH2FramesAfterPeerClosedStream(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §5.1", "DATA or HEADERS after the peer's END_STREAM or RST_STREAM: GOAWAY(STREAM_CLOSED), the connection closes")
	cases := []struct {
		name  string
		close func(p *h2peer.Peer, id uint32)
		late  func(p *h2peer.Peer, id uint32)
	}{
		{"DATA after END_STREAM", completeStream, lateData},
		{"HEADERS after END_STREAM", completeStream, lateHeaders},
		{"DATA after RST_STREAM", resetStream, lateData},
		{"HEADERS after RST_STREAM", resetStream, lateHeaders},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pc := newPipeClient(t, true, nil)
				ch := pc.start(newReq(t, "GET", "/first", nil), true)
				p, _, reqs := pc.open()
				id := reqs[0].ID()
				tc.close(p, id)
				pc.done(ch)
				p.WantIdle()

				tc.late(p, id)
				debug := p.WantGoAway(http2.ErrCodeStreamClosed)
				require.Contains(t, debug, "stream 1 after its")
				p.WantClosed()

				ch = pc.get("/next")
				p2, _, reqs2 := pc.open()
				respond(p2, reqs2[0].ID(), "/next")
				o := pc.done(ch)
				require.NoError(t, o.err)
				require.Equal(t, "served /next", string(o.body))
				require.Equal(t, 2, pc.pipes.Dials())
			})
		})
	}
}

// TestNetHTTPIgnoresFramesAfterPeerClosedStream is the first case of
// TestHostileH2FramesAfterPeerClosedStream through net/http's transport:
// the late DATA is ignored and the next request goes on the same
// connection.
func TestNetHTTPIgnoresFramesAfterPeerClosedStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pipes := faults.NewPipes()
		defer pipes.Close()
		var protos http.Protocols
		protos.SetUnencryptedHTTP2(true)
		tr := &http.Transport{DialContext: pipes.DialContext, Protocols: &protos}
		defer tr.CloseIdleConnections()
		get := func(path string) <-chan error {
			ch := make(chan error, 1)
			go func() {
				resp, err := tr.RoundTrip(newReq(t, "GET", path, nil))
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				ch <- err
			}()
			return ch
		}
		ch := get("/first")
		synctest.Wait()
		s := pipes.TryAccept()
		require.NotNil(t, s)
		p := h2peer.New(t, s)
		_, reqs, err := faults.Handshake(p)
		require.NoError(t, err)
		completeStream(p, reqs[0].ID())
		synctest.Wait()
		require.NoError(t, <-ch)

		lateData(p, reqs[0].ID())
		ch = get("/next")
		next := p.WantHeaders(nil) // no GOAWAY: the same connection goes on
		respond(p, next, "/next")
		synctest.Wait()
		require.NoError(t, <-ch)
		require.Equal(t, 1, pipes.Dials())
	})
}

var _ = registerSuite("TestHostileH2DataOnHalfClosedRemoteStream", TestHostileH2DataOnHalfClosedRemoteStream)

// TestHostileH2DataOnHalfClosedRemoteStream: DATA is allowed only on an
// open or half-closed (local) stream (RFC 9113 §6.1). A server that ended
// its response while the request body is still being sent, then sends
// more DATA, gets GOAWAY(STREAM_CLOSED) (RFC 9113 §5.1, as nghttp2
// answers); DATA on a stream never opened gets GOAWAY(PROTOCOL_ERROR).
func TestHostileH2DataOnHalfClosedRemoteStream(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.1", "DATA on a stream neither open nor half-closed (local): GOAWAY(STREAM_CLOSED) when half-closed (remote), GOAWAY(PROTOCOL_ERROR) when idle")
	t.Run("half-closed remote", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pc := newPipeClient(t, true, nil)
			body, bw := io.Pipe()
			t.Cleanup(func() { bw.Close() })
			req := newReq(t, "POST", "/upload", body)
			req.ContentLength = -1
			// The body is left unread: closing it early would reset the
			// stream.
			ch := pc.start(req, false)
			p, _, reqs := pc.open()
			id := reqs[0].ID()
			respond(p, id, "/upload") // ends the response, the upload goes on
			o := pc.done(ch)
			require.NoError(t, o.err)
			defer o.resp.Body.Close()
			p.WantIdle()

			p.WriteData(id, false, []byte("late"))
			debug := p.WantGoAway(http2.ErrCodeStreamClosed)
			require.Contains(t, debug, "DATA on stream 1 after its END_STREAM")
			p.WantClosed()
		})
	})
	t.Run("idle", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			pc := newPipeClient(t, true, nil)
			ch := pc.get("/first")
			p, _, reqs := pc.open()
			respond(p, reqs[0].ID(), "/first")
			require.NoError(t, pc.done(ch).err)

			p.WriteData(reqs[0].ID()+2, false, []byte("never opened"))
			debug := p.WantGoAway(http2.ErrCodeProtocol)
			require.Contains(t, debug, "idle stream 3")
			p.WantClosed()
		})
	})
}

var _ = registerSuite("TestHostileH2FramesOnLongClosedStreams", TestHostileH2FramesOnLongClosedStreams)

// TestHostileH2FramesOnLongClosedStreams: the client remembers how only a
// bounded number of recent streams closed; a frame for an older one
// cannot be judged and is ignored, as frames on a stream we reset are, so
// a peer cannot make the client's memory grow.
func TestHostileH2FramesOnLongClosedStreams(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §5.1", "HEADERS and DATA on a stream closed too long ago to remember are ignored")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/0")
		p, _, reqs := pc.open()
		first := reqs[0].ID()
		respond(p, first, "/0")
		require.NoError(t, pc.done(ch).err)
		// Enough streams after it that the first is forgotten.
		for i := 1; i <= 200; i++ {
			ch = pc.get("/n")
			respond(p, p.WantHeaders(nil), "/n")
			require.NoError(t, pc.done(ch).err)
		}
		p.WantIdle()

		lateHeaders(p, first)
		lateData(p, first)
		p.WantIdle()
		ch = pc.get("/last")
		respond(p, p.WantHeaders(nil), "/last")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, 1, pc.pipes.Dials())
		p.WantIdle()
	})
}

// completeStream ends the response with END_STREAM.
func completeStream(p *h2peer.Peer, id uint32) {
	respond(p, id, "/first")
}

// resetStream starts the response and then resets the stream.
func resetStream(p *h2peer.Peer, id uint32) {
	p.WriteHeaders(id, false, ":status", "200")
	p.WriteRSTStream(id, http2.ErrCodeInternal)
}

func lateData(p *h2peer.Peer, id uint32) {
	p.WriteData(id, false, []byte(strings.Repeat("x", 10)))
}

func lateHeaders(p *h2peer.Peer, id uint32) {
	p.WriteHeaders(id, false, ":status", "200", "x-late", http.StatusText(200))
}
