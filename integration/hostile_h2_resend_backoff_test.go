package integration

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/h2peer"
)

// The Client's default resend policy: 5 resends, the k-th delayed one
// waiting 50ms·2^(k-1) (at most 2s) less up to half of it at random.
const (
	defaultTries      = 6
	defaultRetryBase  = 50 * time.Millisecond
	defaultRetryLimit = 2 * time.Second
)

func nominalWait(k int) time.Duration {
	return min(defaultRetryBase<<(k-1), defaultRetryLimit)
}

// requireBackoff checks that gaps[i], the wait before the (i+1)-th delayed
// resend, falls in its jitter band, and that not every wait is exactly
// nominal.
func requireBackoff(t *testing.T, gaps []time.Duration) {
	t.Helper()
	jittered := false
	for i, g := range gaps {
		nom := nominalWait(i + 1)
		require.GreaterOrEqual(t, g, nom/2, "wait %d of %v", i+1, gaps)
		require.LessOrEqual(t, g, nom, "wait %d of %v", i+1, gaps)
		jittered = jittered || g != nom
	}
	require.True(t, jittered, "waits %v show no jitter", gaps)
}

// refuseAll answers every request on p with REFUSED_STREAM until the
// client stops sending, and returns when each arrived (fake time). first is
// the request that came with the opening.
func refuseAll(p *h2peer.Peer, first uint32, tries int) []time.Time {
	at := []time.Time{time.Now()}
	p.WriteRSTStream(first, http2.ErrCodeRefusedStream)
	for len(at) < tries {
		var id uint32
		p.WantHeaders(func(h *h2peer.Headers) { id = h.StreamID })
		at = append(at, time.Now())
		p.WriteRSTStream(id, http2.ErrCodeRefusedStream)
	}
	return at
}

var _ = registerSuite("TestHostileH2RefusingServerGetsBackoff", TestHostileH2RefusingServerGetsBackoff)

// TestHostileH2RefusingServerGetsBackoff: a server that refuses every
// stream sees a bounded number of tries, spaced by growing, jittered
// waits, from the first resend on; the request then fails with the
// refusal, which says it was not processed.
func TestHostileH2RefusingServerGetsBackoff(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "REFUSED_STREAM on every try: 6 tries in all, each resend after an exponential, jittered wait")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		start := time.Now()
		ch := pc.get("/busy")
		p, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		at := refuseAll(p, reqs[0].ID(), defaultTries)
		o := pc.waitFor(ch)
		elapsed := time.Since(start)
		var se h2.StreamError
		require.ErrorAs(t, o.err, &se)
		require.Equal(t, h2.ErrCodeRefusedStream, se.Code)
		require.NotErrorIs(t, o.err, plex.ErrMaybeProcessed)
		p.WantIdle()

		var gaps []time.Duration
		for i := 1; i < len(at); i++ {
			gaps = append(gaps, at[i].Sub(at[i-1]))
		}
		t.Logf("%d tries in %v (fake time), waits %v", len(at), elapsed, gaps)
		requireBackoff(t, gaps)
		require.Equal(t, uint64(defaultTries-1), pc.c.Stats().Retries)
		require.Equal(t, 1, pc.pipes.Dials())
	})
}

var _ = registerSuite("TestHostileH2BackoffEndsWithTheContext", TestHostileH2BackoffEndsWithTheContext)

// TestHostileH2BackoffEndsWithTheContext: a request waiting to be sent
// again returns the moment its context is canceled, with the context's
// error, and is not sent again.
func TestHostileH2BackoffEndsWithTheContext(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "a canceled context ends the wait before a resend at once")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := newReq(t, http.MethodGet, "/busy", nil).WithContext(ctx)
		ch := pc.start(req, true)
		p, _, reqs := pc.open()
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		synctest.Wait() // the request is now waiting, at least 25ms
		start := time.Now()
		time.AfterFunc(10*time.Millisecond, cancel)
		o := pc.waitFor(ch)
		require.Equal(t, 10*time.Millisecond, time.Since(start))
		require.ErrorIs(t, o.err, context.Canceled)
		p.WantIdle()
		require.Zero(t, pc.c.Stats().Retries)
	})
}

var _ = registerSuite("TestHostileH2BackoffEndsWithClose", TestHostileH2BackoffEndsWithClose)

// TestHostileH2BackoffEndsWithClose: Close ends a wait before a resend at
// once, and the request reports ErrClientClosed.
func TestHostileH2BackoffEndsWithClose(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "Client.Close ends the wait before a resend at once")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/busy")
		p, _, reqs := pc.open()
		p.WriteRSTStream(reqs[0].ID(), http2.ErrCodeRefusedStream)
		synctest.Wait()
		start := time.Now()
		require.NoError(t, pc.c.Close())
		o := pc.done(ch)
		require.Zero(t, time.Since(start))
		require.ErrorIs(t, o.err, plex.ErrClientClosed)
	})
}

var _ = registerSuite("TestHostileH2FirstResendAfterGracefulCloseIsImmediate", TestHostileH2FirstResendAfterGracefulCloseIsImmediate)

// TestHostileH2FirstResendAfterGracefulCloseIsImmediate: a request caught
// by a graceful GOAWAY goes out again at once on a new connection; if that
// one goes away too, the next resend waits.
func TestHostileH2FirstResendAfterGracefulCloseIsImmediate(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.8", "GOAWAY(NO_ERROR) above the stream: first resend at once, the next one after a wait")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/x")
		p1, _, reqs := pc.open()
		require.Len(t, reqs, 1)
		t0 := time.Now()
		p1.WriteGoAway(0, http2.ErrCodeNo, "restarting")

		p2, _, again := pc.open()
		require.Len(t, again, 1)
		require.Zero(t, time.Since(t0), "the first resend after a graceful GOAWAY waits")
		t1 := time.Now()
		p2.WriteGoAway(0, http2.ErrCodeNo, "restarting")

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := pc.pipes.Accept(ctx)
		require.NoError(t, err)
		requireBackoff(t, []time.Duration{time.Since(t1)})
		p3 := h2peer.New(t, s)
		p3.ReadPreface()
		p3.WantSettings()
		p3.WriteSettings()
		p3.WriteSettingsAck()
		var id uint32
		for id == 0 {
			switch f := p3.ReadFrame().(type) {
			case *http2.MetaHeadersFrame:
				id = f.StreamID
			case *http2.SettingsFrame, *http2.WindowUpdateFrame:
			default:
				t.Fatalf("unexpected %s", h2peer.Summarize(f))
			}
		}
		respond(p3, id, "/x")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "served /x", string(o.body))
		require.Equal(t, 3, pc.pipes.Dials())
	})
}

var _ = registerSuite("TestHostileH2RetryOptionsTurnBackoffOff", TestHostileH2RetryOptionsTurnBackoffOff)

// TestHostileH2RetryOptionsTurnBackoffOff: WithRetryBackoff(0, 0) resends
// at once, and WithMaxRetries bounds the tries.
func TestHostileH2RetryOptionsTurnBackoffOff(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §8.7", "WithRetryBackoff(0, 0) resends at once; WithMaxRetries(n) allows n+1 tries")
	for _, n := range []int{0, 2} {
		synctest.Test(t, func(t *testing.T) {
			pc := newPipeClient(t, true, nil, plex.WithRetryBackoff(0, 0), plex.WithMaxRetries(n))
			start := time.Now()
			ch := pc.get("/busy")
			p, _, reqs := pc.open()
			at := refuseAll(p, reqs[0].ID(), n+1)
			o := pc.done(ch)
			require.Error(t, o.err)
			require.Len(t, at, n+1)
			require.Zero(t, time.Since(start))
			p.WantIdle()
		})
	}
}

var _ = registerSuite("TestHostileH2LastTryCannotVouchForEarlierOnes", TestHostileH2LastTryCannotVouchForEarlierOnes)

// TestHostileH2LastTryCannotVouchForEarlierOnes: a GET whose first try may
// have been processed (its reused connection died after the request went
// out) and whose last try provably was not (GOAWAY above its stream) fails
// with an error that still says it may have been processed.
func TestHostileH2LastTryCannotVouchForEarlierOnes(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9110 §9.2.2", "giving up after a maybe-processed try and an unprocessed one: the error says the request may have been processed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil, plex.WithMaxRetries(1))
		ch := pc.get("/warm")
		p1, _, reqs := pc.open()
		respond(p1, reqs[0].ID(), "/warm")
		require.NoError(t, pc.done(ch).err)

		ch = pc.get("/x")
		p1.WantHeaders(nil)
		p1.Conn().Close()
		p2, _, again := pc.open()
		require.Len(t, again, 1)
		p2.WriteGoAway(0, http2.ErrCodeNo, "restarting")
		o := pc.done(ch)
		var ga h2.GoAwayError
		require.ErrorAs(t, o.err, &ga)
		requireMaybeProcessed(t, o.err)
	})
}
