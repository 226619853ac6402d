package integration

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/h2peer"
)

var _ = registerSuite("TestHostileH2RefusedStreamIsRetried", TestHostileH2RefusedStreamIsRetried)

// TestHostileH2RefusedStreamIsRetried: REFUSED_STREAM proves the server did
// nothing (RFC 9113 §8.7), so even a POST is sent again, on the same
// connection, and succeeds.
func TestHostileH2RefusedStreamIsRetried(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "RST_STREAM REFUSED_STREAM: the request (a POST) is sent again and succeeds")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.start(newReq(t, http.MethodPost, "/p", bytes.NewReader([]byte("body"))), true)
		p, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		require.Equal(t, "body", string(reqs[0].Body))
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		var id uint32
		p.WantHeaders(func(h *h2peer.Headers) { id = h.StreamID })
		require.Equal(t, "body", string(p.WantBody(id)))
		respond(p, id, "/p")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "served /p", string(o.body))
		require.Equal(t, 1, pc.pipes.Dials())
		p.WantIdle()
	})
}

var _ = registerSuite("TestHostileH2ResetBeforeResponse", TestHostileH2ResetBeforeResponse)

// TestHostileH2ResetBeforeResponse: a RST_STREAM other than REFUSED_STREAM
// before any response may follow processing, so the request is not sent
// again and the error says so.
func TestHostileH2ResetBeforeResponse(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "RST_STREAM INTERNAL_ERROR before the response: h2.StreamError{Remote: true}, not retried, may have been processed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.start(newReq(t, http.MethodPost, "/p", bytes.NewReader([]byte("body"))), true)
		p, _, reqs := pc.open()
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeInternal)
		o := pc.done(ch)
		var se h2.StreamError
		require.ErrorAs(t, o.err, &se)
		require.Equal(t, h2.StreamError{StreamID: reqs[0].ID(), Code: h2.ErrCodeInternal, Remote: true}, se)
		requireMaybeProcessed(t, o.err)
		p.WantIdle()
	})
}

var _ = registerSuite("TestHostileH2ConnectionLostBeforeResponse", TestHostileH2ConnectionLostBeforeResponse)

// TestHostileH2ConnectionLostBeforeResponse drops a reused connection after
// the request was written and before any response: a GET is sent again on
// a new connection, a POST is not and reports it may have been processed.
func TestHostileH2ConnectionLostBeforeResponse(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			rule := "connection lost before the response on a reused connection: GET is retried on a new connection"
			if method == http.MethodPost {
				rule = "connection lost before the response on a reused connection: POST is not retried, may have been processed"
			}
			checks(t, "Faults: HTTP/2", "RFC 9110 §9.2.2", rule)
			synctest.Test(t, func(t *testing.T) {
				pc := newPipeClient(t, true, nil)
				ch := pc.get("/warm")
				p, _, reqs := pc.open()
				respond(p, reqs[0].ID(), "/warm")
				require.NoError(t, pc.done(ch).err)

				ch = pc.start(newReq(t, method, "/x", bytes.NewReader([]byte("body"))), true)
				p.WantHeaders(nil)
				if method == http.MethodPost {
					p.WantBody(3)
				}
				p.Conn().Close()
				synctest.Wait()
				if method == http.MethodPost {
					o := pc.done(ch)
					requireMaybeProcessed(t, o.err)
					require.ErrorIs(t, o.err, io.ErrUnexpectedEOF)
					require.Equal(t, 1, pc.pipes.Dials())
					return
				}
				p2, _, again := pc.open()
				require.Len(t, again, 1)
				respond(p2, again[0].ID(), "/x")
				o := pc.done(ch)
				require.NoError(t, o.err)
				require.Equal(t, "served /x", string(o.body))
				require.Equal(t, 2, pc.pipes.Dials())
			})
		})
	}
}

var _ = registerSuite("TestHostileH2ConnectionLostMidBody", TestHostileH2ConnectionLostMidBody)

// TestHostileH2ConnectionLostMidBody: once response bytes arrived, losing
// the connection fails the body read with an error, never a short body
// passed off as complete.
func TestHostileH2ConnectionLostMidBody(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.1", "connection lost mid-body: the body read fails with io.ErrUnexpectedEOF, no silent truncation")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/")
		p, _, reqs := pc.open()
		p.WriteHeaders(reqs[0].ID(), false, ":status", "200", "content-length", "10")
		p.WriteData(reqs[0].ID(), false, []byte("half"))
		p.Conn().Close()
		o := pc.done(ch)
		require.Error(t, o.err)
		require.True(t, errors.Is(o.err, io.ErrUnexpectedEOF), o.err.Error())
		require.NotNil(t, o.resp, "RoundTrip failed: %v", o.err)
		// Bytes buffered when the connection failed may be dropped (the
		// error says the body is incomplete); nothing else may appear.
		require.True(t, strings.HasPrefix("half", string(o.body)), "body %q", o.body)
		require.Equal(t, 1, pc.pipes.Dials())
	})
}
