package integration

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/internal/h2peer"
)

var _ = registerSuite("TestHostileH2ResetPingEtiquette", TestHostileH2ResetPingEtiquette)

// TestHostileH2ResetPingEtiquette: a canceled stream's RST_STREAM goes
// with a PING (to find a dead connection quickly) only when nothing arrived
// since the stream opened, and at most once until the peer sends HEADERS
// or DATA: grpc-go's default policy answers the third PING in a row
// without either with GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). This is
// net/http's rule (golang/go#70575).
func TestHostileH2ResetPingEtiquette(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.7", "canceled streams: one PING with the RST_STREAMs until HEADERS or DATA arrive, none once a frame arrived since the stream opened")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/first")
		p, _, reqs := pc.open()
		respond(p, reqs[0].ID(), "/first")
		require.NoError(t, pc.done(ch).err)

		cancelSilent(t, pc, p)
		wantPingAnswered(p)
		for range 3 {
			cancelSilent(t, pc, p)
			p.WantIdle()
		}

		// Canceled after its response began: the HEADERS show the peer
		// alive, no PING; and they forgive the next one.
		ctx, cancel := context.WithCancel(context.Background())
		ch = pc.start(newReq(t, "GET", "/answered", nil).WithContext(ctx), false)
		id := p.WantHeaders(nil)
		p.WriteHeaders(id, false, ":status", "200")
		o := pc.done(ch)
		require.NoError(t, o.err)
		cancel()
		p.WantRSTStream(id, http2.ErrCodeCancel)
		p.WantIdle()
		o.resp.Body.Close()

		cancelSilent(t, pc, p)
		wantPingAnswered(p)
		p.WantIdle()
		require.Equal(t, 1, pc.pipes.Dials())
	})
}

// cancelSilent starts a GET the peer never answers, cancels it and reads
// its RST_STREAM(CANCEL).
func cancelSilent(t *testing.T, pc *pipeClient, p *h2peer.Peer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := pc.start(newReq(t, "GET", "/silent", nil).WithContext(ctx), false)
	id := p.WantHeaders(nil)
	cancel()
	p.WantRSTStream(id, http2.ErrCodeCancel)
	require.ErrorIs(t, pc.done(ch).err, context.Canceled)
}
