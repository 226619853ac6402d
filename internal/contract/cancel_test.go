package contract

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// A stage of an exchange at which a request can be interrupted.
type stage int

const (
	beforeSend   stage = iota // the slot is reserved, nothing written
	awaitHeaders              // the request is written, the server holds its answer
	readingBody               // the response arrived, its body is being read
)

func (s stage) String() string {
	return [...]string{"before send", "awaiting headers", "reading body"}[s]
}

// holdHandler answers /body with a first chunk and then holds the body;
// anything else it holds before answering. It returns when the request ends.
var holdHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/body" {
		io.WriteString(w, "first")
		w.(http.Flusher).Flush()
	}
	<-r.Context().Done()
})

// interrupt runs a request to stage s, calls stop, and returns the error the
// request or its body read ended with.
func interrupt(t *testing.T, e *env, ctx context.Context, s stage, stop func()) error {
	path := "/"
	if s == readingBody {
		path = "/body"
	}
	req := e.get(ctx, path)
	if s == beforeSend {
		require.True(t, e.conn.Reserve())
		stop()
		_, err := e.conn.RoundTrip(req)
		require.Error(t, err)
		return err
	}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := e.roundTrip(req)
		done <- result{resp, err}
	}()
	synctest.Wait()
	if s == awaitHeaders {
		stop()
		r := <-done
		require.Error(t, r.err)
		return r.err
	}
	r := <-done
	require.NoError(t, r.err)
	defer r.resp.Body.Close()
	buf := make([]byte, 5)
	_, err := io.ReadFull(r.resp.Body, buf)
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(r.resp.Body)
		read <- err
	}()
	synctest.Wait()
	stop()
	err = <-read
	require.Error(t, err)
	return err
}

// Canceling the request's context at any stage ends the request with an
// error that matches context.Canceled; before anything was written the
// request is marked unprocessed, so it could be sent elsewhere.
func TestContextCancelAtEachStage(t *testing.T) {
	for _, s := range []stage{beforeSend, awaitHeaders, readingBody} {
		t.Run(s.String(), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, holdHandler)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var before int32
				err := interrupt(t, e, ctx, s, func() { before = e.changes.Load(); cancel() })
				require.ErrorIs(t, err, context.Canceled)
				want := retry.MaybeProcessed
				if s == beforeSend {
					want = retry.Unprocessed
				}
				require.Equal(t, want, retry.ProgressOf(err), "%v", err)
				var ne net.Error
				require.False(t, errors.As(err, &ne) && ne.Timeout(), "a cancel is not a timeout: %v", err)
				if s == readingBody {
					// The slot frees when the application closes the body.
					return
				}
				e.wantSlotFreed(before)
			})
		})
	}
}

// An expired deadline is both context.DeadlineExceeded and a timeout.
func TestContextDeadlineAwaitingHeaders(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, holdHandler)
		tctx, tcancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer tcancel()
		resp, err := e.roundTrip(e.get(tctx, "/"))
		require.Nil(t, resp)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)
	})
}

// Closing the connection at any stage (what Client.Close does to every
// connection) ends the request with an error; before anything was written
// the request is marked unprocessed.
func TestConnCloseAtEachStage(t *testing.T) {
	for _, s := range []stage{beforeSend, awaitHeaders, readingBody} {
		t.Run(s.String(), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, holdHandler)
				var before int32
				err := interrupt(t, e, context.Background(), s, func() { before = e.changes.Load(); e.conn.Close() })
				require.NotErrorIs(t, err, io.EOF)
				want := retry.MaybeProcessed
				switch s {
				case beforeSend:
					want = retry.Unprocessed
				case awaitHeaders:
					want = retry.NoResponse
				}
				require.Equal(t, want, retry.ProgressOf(err), "%v", err)
				require.Error(t, e.conn.Err())
				require.Greater(t, e.changes.Load(), before, "the pool must hear that the connection died")
			})
		})
	}
}
