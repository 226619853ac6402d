package integration

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/h2peer"
)

// retryLog records the resends a RetryTrace reports, between the
// httptrace hooks that frame each try, in the trace parity test's eventLog.
type retryLog struct {
	eventLog
	infoMu sync.Mutex
	infos  []plex.RetryInfo // guarded by infoMu
}

// context returns ctx carrying both the httptrace hooks and the
// RetryTrace of l.
func (l *retryLog) context(ctx context.Context) context.Context {
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { l.add("GetConn") },
		GotConn: func(i httptrace.GotConnInfo) { l.add("GotConn reused=%t", i.Reused) },
	})
	return plex.WithRetryTrace(ctx, &plex.RetryTrace{Retry: func(i plex.RetryInfo) {
		l.add("Retry attempt=%d reason=%s reused=%t", i.Attempt, i.Reason, i.Reused)
		l.infoMu.Lock()
		l.infos = append(l.infos, i)
		l.infoMu.Unlock()
	}})
}

func (l *retryLog) snapshot() ([]string, []plex.RetryInfo) {
	l.infoMu.Lock()
	defer l.infoMu.Unlock()
	return l.take(), append([]plex.RetryInfo(nil), l.infos...)
}

// An HTTP/2 stream refused with REFUSED_STREAM is sent again after a wait;
// the RetryTrace hears why, and how long the wait is, before it starts.
func TestRetryTraceReportsRefusedStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		var log retryLog
		req := newReq(t, http.MethodGet, "/x", nil)
		req = req.WithContext(log.context(req.Context()))
		ch := pc.start(req, true)
		p, _, reqs := pc.open()
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		var id uint32
		p.WantHeaders(func(h *h2peer.Headers) { id = h.StreamID })
		respond(p, id, "/x")
		o := pc.waitFor(ch)
		require.NoError(t, o.err)
		require.Equal(t, "served /x", string(o.body))

		events, infos := log.snapshot()
		require.Equal(t, []string{
			"GetConn", "GotConn reused=false",
			"Retry attempt=2 reason=refused reused=false",
			"GetConn", "GotConn reused=true",
		}, events)
		require.Len(t, infos, 1)
		i := infos[0]
		require.Same(t, req, i.Request)
		var se h2.StreamError
		require.ErrorAs(t, i.Err, &se)
		require.Equal(t, h2.ErrCodeRefusedStream, se.Code)
		require.Equal(t, plex.RetryRefused, i.Reason)
		// The default backoff: 50ms less up to half of it.
		require.GreaterOrEqual(t, i.Wait, 25*time.Millisecond)
		require.LessOrEqual(t, i.Wait, 50*time.Millisecond)
		require.EqualValues(t, 1, pc.c.Stats().Retries)
	})
}

// A request above the last stream id of a graceful GOAWAY was not
// processed; it goes at once on a new connection, and the RetryTrace says
// so.
func TestRetryTraceReportsGoAwayUnprocessed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		var log retryLog
		req := newReq(t, http.MethodPost, "/x", nil)
		req = req.WithContext(log.context(req.Context()))
		ch := pc.start(req, true)
		p1, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		p1.WriteGoAway(0, http2.ErrCodeNo, "restarting")
		p2, _, again := pc.open()
		require.Len(t, again, 1)
		respond(p2, again[0].ID(), "/x")
		o := pc.done(ch)
		require.NoError(t, o.err)

		events, infos := log.snapshot()
		require.Equal(t, []string{
			"GetConn", "GotConn reused=false",
			"Retry attempt=2 reason=not processed reused=false",
			"GetConn", "GotConn reused=false",
		}, events)
		require.Len(t, infos, 1)
		var ga h2.GoAwayError
		require.ErrorAs(t, infos[0].Err, &ga)
		require.Equal(t, plex.RetryNotProcessed, infos[0].Reason)
		require.Zero(t, infos[0].Wait, "a connection going away is no sign of load")
	})
}

// An HTTP/1.1 server that reads a GET on a kept-alive connection and
// closes it unanswered makes plex send the GET again on a new connection;
// the RetryTrace says the connection was lost on a reused connection.
func TestRetryTraceReportsLostIdleConnHTTP1(t *testing.T) {
	s := startRaw(t, noAnswerOnSecond)
	c := newClient(t, nil)
	_, err := send(c, http.MethodGet, s.URL+"/g", "")
	require.NoError(t, err)

	var log retryLog
	req, err := http.NewRequestWithContext(log.context(t.Context()), http.MethodGet, s.URL+"/g", nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	events, infos := log.snapshot()
	require.Equal(t, []string{
		"GetConn", "GotConn reused=true",
		"Retry attempt=2 reason=connection lost before a response reused=true",
		"GetConn", "GotConn reused=false",
	}, events)
	require.Len(t, infos, 1)
	require.Equal(t, plex.RetryConnLost, infos[0].Reason)
	require.Zero(t, infos[0].Wait, "the first resend after a lost idle connection goes at once")
	require.Error(t, infos[0].Err)
	require.Equal(t, []string{"GET /g", "GET /g", "GET /g"}, s.requests())
}

// WithMaxRetries(0) turns resends off on HTTP/2: a refused stream comes
// back as the error, the server sees the request once, and the RetryTrace
// hears nothing.
func TestMaxRetriesZeroNeverResendsHTTP2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil, plex.WithMaxRetries(0))
		var log retryLog
		req := newReq(t, http.MethodGet, "/x", nil)
		req = req.WithContext(log.context(req.Context()))
		ch := pc.start(req, true)
		p, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		o := pc.done(ch)
		var se h2.StreamError
		require.ErrorAs(t, o.err, &se)
		require.Equal(t, h2.ErrCodeRefusedStream, se.Code)
		p.WantIdle() // no second HEADERS
		events, infos := log.snapshot()
		require.Equal(t, []string{"GetConn", "GotConn reused=false"}, events)
		require.Empty(t, infos)
		require.Zero(t, pc.c.Stats().Retries)
	})
}

// WithMaxRetries(0) turns resends off on HTTP/1.1: a GET that met a
// connection the server closed unanswered comes back as the error, and
// the server saw it once.
func TestMaxRetriesZeroNeverResendsHTTP1(t *testing.T) {
	s := startRaw(t, noAnswerOnSecond)
	c := newClient(t, nil, plex.WithMaxRetries(0))
	_, err := send(c, http.MethodGet, s.URL+"/g", "")
	require.NoError(t, err)

	var log retryLog
	req, err := http.NewRequestWithContext(log.context(t.Context()), http.MethodGet, s.URL+"/g", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.Error(t, err)
	require.ErrorIs(t, err, plex.ErrMaybeProcessed)
	require.Equal(t, []string{"GET /g", "GET /g"}, s.requests(), "the GET was not sent twice")
	events, infos := log.snapshot()
	require.Equal(t, []string{"GetConn", "GotConn reused=true"}, events)
	require.Empty(t, infos)
	require.Zero(t, c.Stats().Retries)
}
