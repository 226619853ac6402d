package integration

import (
	"bytes"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

var _ = registerSuite("TestHostileH2GoAwayMidUploadResendsWholeBody", TestHostileH2GoAwayMidUploadResendsWholeBody)

// TestHostileH2GoAwayMidUploadResendsWholeBody: a POST stalled on flow
// control when a GOAWAY excludes its stream was not processed; plex sends
// it again on a new connection with its whole body from the start.
func TestHostileH2GoAwayMidUploadResendsWholeBody(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.8", "GOAWAY excludes a POST stalled mid-upload: resent on a new connection with the whole body")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		body := pattern(200 << 10)
		ch := pc.start(newReq(t, http.MethodPost, "/up", bytes.NewReader(body)), true)
		p, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		id := reqs[0].ID()
		got := len(reqs[0].Body)
		for got < 65535 {
			got += len(p.WantData(id).Data)
		}
		require.Equal(t, 65535, got, "the client overran the initial window")
		p.WriteGoAway(0, http2.ErrCodeNo, "")

		p2, _, again := pc.open(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1 << 30})
		require.Len(t, again, 1)
		p2.WriteWindowUpdate(0, 1<<30)
		rest := again[0].Body
		if !again[0].Ended {
			rest = append(rest, p2.WantBody(again[0].ID())...)
		}
		require.Equal(t, sum(body), sum(rest))
		respond(p2, again[0].ID(), "/up")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, 2, pc.pipes.Dials())
	})
}

var _ = registerSuite("TestHostileH2EarlyResponseStopsStalledUpload", TestHostileH2EarlyResponseStopsStalledUpload)

// TestHostileH2EarlyResponseStopsStalledUpload: a server may answer
// before reading the whole request (RFC 9113 §8.1). If it then never opens
// the window, the stalled upload must not pin the stream: plex resets it
// and the slot comes back.
func TestHostileH2EarlyResponseStopsStalledUpload(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.1", "complete response while the upload is stalled on flow control: the upload stops with RST_STREAM, the response stands")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.start(newReq(t, http.MethodPost, "/up", bytes.NewReader(pattern(200<<10))), true)
		p, _, reqs := pc.open()
		id := reqs[0].ID()
		for got := len(reqs[0].Body); got < 65535; {
			got += len(p.WantData(id).Data)
		}
		respond(p, id, "/up")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "served /up", string(o.body))
		f := p.ReadFrame()
		rst, ok := f.(*http2.RSTStreamFrame)
		require.True(t, ok, "want RST_STREAM, got %T", f)
		require.Equal(t, id, rst.StreamID)

		// The stream's slot is free: the next request goes out on the
		// same connection.
		ch = pc.get("/next")
		var next uint32
		for next == 0 {
			switch f := p.ReadFrame().(type) {
			case *http2.PingFrame:
				p.WritePing(true, f.Data)
			case *http2.MetaHeadersFrame:
				next = f.StreamID
			default:
				t.Fatalf("unexpected frame %T", f)
			}
		}
		respond(p, next, "/next")
		require.NoError(t, pc.done(ch).err)
		require.Equal(t, 1, pc.pipes.Dials())
	})
}
