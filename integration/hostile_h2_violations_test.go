package integration

import (
	"io"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/faults"
)

var _ = registerSuite("TestHostileH2Violations", TestHostileH2Violations)

// TestHostileH2Violations breaks, one subtest each, every RFC 9113 rule in
// faults.H2Violations while a GET awaits its response, and checks the
// frame plex answers with, the typed error the caller gets, and that the
// request was not sent again.
func TestHostileH2Violations(t *testing.T) {
	for _, v := range faults.H2Violations() {
		t.Run(v.Name, func(t *testing.T) {
			area := "HTTP/2 peer violations: " + v.Scope.String() + " (RFC 9113 §5.4)"
			checks(t, area, "RFC 9113 "+v.Section, v.Name+" → "+answer(v))
			synctest.Test(t, func(t *testing.T) { runViolation(t, v) })
		})
	}
}

func answer(v faults.H2Violation) string {
	if v.Scope == faults.StreamScope {
		return "RST_STREAM " + v.Code.String() + ", h2.StreamError"
	}
	return "GOAWAY " + v.Code.String() + ", h2.ConnectionError"
}

func runViolation(t *testing.T, v faults.H2Violation) {
	// The default configuration, adaptive windows included, except where
	// the violation comes in a body: half a stream window of DATA ahead of
	// it would draw a BDP PING (h2/bdp.go) before the answer these cases
	// check frame by frame.
	var opts []plex.Option
	if v.InBody {
		opts = append(opts, plex.WithAdaptiveWindow(false))
	}
	if v.SmallConnWindow {
		opts = append(opts, plex.WithInitialConnWindowSize(65535))
	}
	pc := newPipeClient(t, true, nil, opts...)
	// A body read while the violation arrives would return window credit
	// and race with it: read it only once the client has answered.
	ch := pc.start(newReq(t, http.MethodGet, "/violation", nil), !v.InBody)
	p, lim, reqs := pc.open()
	require.Len(t, reqs, 1)
	id := reqs[0].ID()
	v.Send(p, id, lim)
	if v.Scope == faults.ConnectionScope {
		p.WantGoAway(v.Code)
		p.WantClosed()
		o := readLater(t, pc.done(ch), v.InBody)
		var ce h2.ConnectionError
		require.ErrorAs(t, o.err, &ce)
		require.Equal(t, h2.ErrCode(v.Code), ce.Code)
		require.False(t, ce.Remote)
		if !v.InBody {
			// Not one byte of a response came back, but the request
			// may have reached the server's application.
			require.ErrorIs(t, o.err, plex.ErrMaybeProcessed)
		}
		require.Equal(t, 1, pc.pipes.Dials(), "the request was sent again")
		return
	}
	p.WantRSTStream(id, v.Code)
	o := readLater(t, pc.done(ch), v.InBody)
	var se h2.StreamError
	require.ErrorAs(t, o.err, &se)
	require.Equal(t, id, se.StreamID)
	require.Equal(t, h2.ErrCode(v.Code), se.Code)
	require.False(t, se.Remote)
	if !v.InBody {
		require.ErrorIs(t, o.err, plex.ErrMaybeProcessed)
	}

	// A stream error leaves the connection, and its HPACK state, usable.
	ch = pc.get("/after")
	next := p.WantHeaders(nil)
	p.WriteHeaders(next, false, ":status", "200", "x-after", "1")
	p.WriteData(next, true, []byte("ok"))
	o = pc.done(ch)
	require.NoError(t, o.err)
	require.Equal(t, "ok", string(o.body))
	require.Equal(t, "1", o.resp.Header.Get("X-After"))
	require.Equal(t, 1, pc.pipes.Dials())
	p.WantIdle()
}

// readLater reads the body of a response the client accepted before the
// violation, returning the read's error as the outcome's.
func readLater(t *testing.T, o outcome, read bool) outcome {
	t.Helper()
	if !read {
		return o
	}
	require.NoError(t, o.err)
	defer o.resp.Body.Close()
	o.body, o.err = io.ReadAll(o.resp.Body)
	return o
}
