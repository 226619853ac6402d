package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
)

// countingResets serves h2c and answers every stream with RST_STREAM(code),
// counting the streams it saw.
func countingResets(t *testing.T, code http2.ErrCode) (string, *atomic.Int64) {
	t.Helper()
	var streams atomic.Int64
	tg := scriptedTarget(t, dH2C, h2Script(func(fr *http2.Framer, id uint32, _ int, _ <-chan struct{}) error {
		streams.Add(1)
		return fr.WriteRSTStream(id, code)
	}, 0), "h2")
	return tg.url, &streams
}

// sendGETs sends n GETs of url through rt from workers goroutines, each
// under its own deadline, and returns the errors they ended with (a
// response is an error here: the server never answers).
func sendGETs(t *testing.T, rt http.RoundTripper, url string, n, workers int, deadline time.Duration) []error {
	t.Helper()
	var (
		next atomic.Int64
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/x", nil)
				if err == nil {
					var resp *http.Response
					if resp, err = rt.RoundTrip(req); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						err = errors.New("unexpected response")
					}
				}
				cancel()
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, errs, n)
	return errs
}

// h2cTransport is net/http's Transport speaking h2c only.
func h2cTransport(t *testing.T) *http.Transport {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// resendLog records a Client's resend decisions.
type resendLog struct {
	mu      sync.Mutex
	decided []plex.RetryDecided
	denied  []plex.RetryDenied
}

func (l *resendLog) listener() *plex.EventListener {
	return &plex.EventListener{
		RetryDecided: func(e plex.RetryDecided) { l.mu.Lock(); l.decided = append(l.decided, e); l.mu.Unlock() },
		RetryDenied:  func(e plex.RetryDenied) { l.mu.Lock(); l.denied = append(l.denied, e); l.mu.Unlock() },
	}
}

const (
	budgetGETs    = 3000
	budgetWorkers = 50
)

// budgetClient is a plex h2c Client whose resends wait a millisecond or
// so, so that thousands of refused requests take little time; the waits
// change no count.
func budgetClient(t *testing.T, log *resendLog, opts ...plex.Option) *plex.Client {
	t.Helper()
	opts = append([]plex.Option{
		plex.WithProtocols(plex.UnencryptedHTTP2),
		plex.WithRetryBackoff(time.Millisecond, 4*time.Millisecond),
		plex.WithEventListener(log.listener()),
	}, opts...)
	c, err := plex.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestResetStreamsAreSentOnce: a server that resets every stream with
// CANCEL, INTERNAL_ERROR or ENHANCE_YOUR_CALM may have acted on each
// request first, so a GET is sent once and fails with the reset, as
// net/http sends it once. (Before, plex sent each GET six times: 17,995
// streams for 3,000 GETs.)
func TestResetStreamsAreSentOnce(t *testing.T) {
	for _, code := range []http2.ErrCode{http2.ErrCodeCancel, http2.ErrCodeInternal, http2.ErrCodeEnhanceYourCalm} {
		t.Run(code.String(), func(t *testing.T) {
			url, streams := countingResets(t, code)
			var log resendLog
			c := budgetClient(t, &log)
			errs := sendGETs(t, c, url, budgetGETs, budgetWorkers, 10*time.Second)
			for _, err := range errs {
				var se h2.StreamError
				require.ErrorAs(t, err, &se)
				require.Equal(t, h2.ErrCode(code), se.Code)
				require.ErrorIs(t, err, plex.ErrMaybeProcessed)
			}
			require.Equal(t, int64(budgetGETs), streams.Load(), "plex: one stream per GET")
			require.Zero(t, c.Stats().Retries)
			require.Empty(t, log.decided)
			require.Empty(t, log.denied)
			t.Logf("plex %v: %.3f streams per GET", code, float64(streams.Load())/budgetGETs)

			streams.Store(0)
			sendGETs(t, h2cTransport(t), url, budgetGETs, budgetWorkers, 10*time.Second)
			require.Equal(t, int64(budgetGETs), streams.Load(), "net/http: one stream per GET")
		})
	}
}

// TestRetryBudgetBoundsRefusedStreams: a server refusing every stream
// (REFUSED_STREAM, so each resend is safe) gets, from one Client, at most
// burst + ratio·requests resends per origin instead of five per request.
// Each resend and each refusal by the budget shows in the events and
// stats, and the refused requests fail with the reset, marked
// unprocessed. net/http resends a refused stream until the request's
// deadline (x/net waits 1s, 2s, 4s... between tries): the deliberate
// difference, shown side by side.
func TestRetryBudgetBoundsRefusedStreams(t *testing.T) {
	url, streams := countingResets(t, http2.ErrCodeRefusedStream)

	t.Run("default budget", func(t *testing.T) {
		streams.Store(0)
		var log resendLog
		c := budgetClient(t, &log)
		errs := sendGETs(t, c, url, budgetGETs, budgetWorkers, 10*time.Second)
		for _, err := range errs {
			var se h2.StreamError
			require.ErrorAs(t, err, &se)
			require.Equal(t, h2.ErrCodeRefusedStream, se.Code)
			require.NotErrorIs(t, err, plex.ErrMaybeProcessed, "a refused stream was not processed")
		}
		// Defaults: a burst of 100 and 0.2 per request.
		limit := int64(budgetGETs + 100 + budgetGETs/5)
		require.LessOrEqual(t, streams.Load(), limit)
		st := c.Stats()
		require.Equal(t, uint64(streams.Load()-budgetGETs), st.Retries, "every stream past the first of each GET is a counted resend")
		require.Greater(t, st.Retries, uint64(budgetGETs/5), "the budget allowed its share")
		require.Len(t, log.decided, int(st.Retries))
		require.NotZero(t, st.RetriesRefused)
		require.Len(t, log.denied, int(st.RetriesRefused))
		for _, d := range log.denied {
			require.Equal(t, plex.LimitBudget, d.Limit)
			require.Contains(t, d.Reason, "REFUSED_STREAM")
		}
		for _, d := range log.decided {
			require.GreaterOrEqual(t, d.BudgetLeft, 0)
		}
		os := c.OriginStats()
		require.Len(t, os, 1)
		require.Equal(t, st.RetriesRefused, os[0].RetriesRefused)
		require.Less(t, os[0].RetryBudgetLeft, 1, "the budget is spent")
		t.Logf("plex, default budget: %.3f streams per GET (at most %.3f); %d resends, %d refused by the budget",
			float64(streams.Load())/budgetGETs, float64(limit)/budgetGETs, st.Retries, st.RetriesRefused)
	})

	t.Run("no budget", func(t *testing.T) {
		streams.Store(0)
		var log resendLog
		c := budgetClient(t, &log, plex.WithoutRetryBudget())
		sendGETs(t, c, url, budgetGETs, budgetWorkers, 10*time.Second)
		require.Equal(t, int64(6*budgetGETs), streams.Load(), "WithMaxRetries' 5 resends for every GET")
		require.Zero(t, c.Stats().RetriesRefused)
		require.Empty(t, log.denied)
		for _, d := range log.decided {
			require.Equal(t, -1, d.BudgetLeft)
		}
	})

	t.Run("net/http", func(t *testing.T) {
		streams.Store(0)
		const n = 50
		errs := sendGETs(t, h2cTransport(t), url, n, n, 1500*time.Millisecond)
		for _, err := range errs {
			require.ErrorIs(t, err, context.DeadlineExceeded, "net/http keeps resending until the deadline")
		}
		require.GreaterOrEqual(t, streams.Load(), int64(2*n))
		t.Logf("net/http: %.3f streams per GET within a 1.5s deadline", float64(streams.Load())/n)
	})
}
