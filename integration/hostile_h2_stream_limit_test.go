package integration

import (
	"bytes"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

var _ = registerSuite("TestHostileH2ZeroStreamLimit", TestHostileH2ZeroStreamLimit)

// TestHostileH2ZeroStreamLimit: a server that allows no streams for now
// (SETTINGS_MAX_CONCURRENT_STREAMS 0) and refuses the request sent before
// its SETTINGS arrived. The request waits for a slot on that connection
// (dialing more would likely meet the same limit) and goes out as soon as
// the server raises the limit.
func TestHostileH2ZeroStreamLimit(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §5.1.2", "SETTINGS_MAX_CONCURRENT_STREAMS 0 then REFUSED_STREAM: the request waits and is sent once the limit rises")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/")
		p, _, reqs := pc.open(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 0})
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		pc.pending(ch)
		p.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 10})
		p.WantSettingsAck()
		id := p.WantHeaders(nil)
		respond(p, id, "/")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, 1, pc.pipes.Dials())
	})
}

var _ = registerSuite("TestHostileH2BodylessEarlyResponse", TestHostileH2BodylessEarlyResponse)

// TestHostileH2BodylessEarlyResponse: a 413 ending on its HEADERS while
// the upload is stalled is returned, the upload stops with RST_STREAM and
// the stream's slot comes back.
func TestHostileH2BodylessEarlyResponse(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.1", "body-less response ends the stream while the upload is stalled: response returned, upload stopped with RST_STREAM CANCEL")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.start(newReq(t, http.MethodPost, "/up", bytes.NewReader(pattern(200<<10))), true)
		p, _, reqs := pc.open()
		id := reqs[0].ID()
		for got := len(reqs[0].Body); got < 65535; {
			got += len(p.WantData(id).Data)
		}
		p.WriteHeaders(id, true, ":status", "413")
		p.WantRSTStream(id, http2.ErrCodeCancel)
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, http.StatusRequestEntityTooLarge, o.resp.StatusCode)
		p.WantIdle()
	})
}
