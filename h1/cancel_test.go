package h1

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

// startRoundTrip runs RoundTrip in a goroutine.
func startRoundTrip(pc *pipeConn, req *http.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		resp, err := pc.RoundTrip(req)
		ch <- result{resp, err}
	}()
	return ch
}

type result struct {
	resp *http.Response
	err  error
}

func TestCanceledBeforeStartLeavesConnUsable(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil).WithContext(ctx))
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, pc.Err())
	require.Equal(t, 1, pc.Available())
}

func TestCancelWhileWriting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{}) // nobody reads the server end
		ctx, cancel := context.WithCancel(context.Background())
		mustReserve(t, pc.Conn)
		res := startRoundTrip(pc, newReq(t, "GET", "http://h/", nil).WithContext(ctx))
		synctest.Wait()
		cancel()
		r := <-res
		require.ErrorIs(t, r.err, context.Canceled)
		require.Equal(t, retry.MaybeProcessed, retry.ProgressOf(r.err), "context errors are not marked")
		require.Error(t, pc.Err())
		require.Equal(t, 0, pc.InFlight())
	})
}

func TestCancelWhileStreamingBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		serve(t, pc.srv, func(p *peer) error {
			_, err := io.Copy(io.Discard, p.br)
			return err
		})
		pr, _ := io.Pipe() // a body that never yields
		ctx, cancel := context.WithCancel(context.Background())
		mustReserve(t, pc.Conn)
		res := startRoundTrip(pc, newReq(t, "POST", "http://h/", pr).WithContext(ctx))
		synctest.Wait()
		cancel()
		r := <-res
		require.ErrorIs(t, r.err, context.Canceled)
		require.Equal(t, 0, pc.InFlight())
	})
}

func TestCancelWhileAwaitingHeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		serve(t, pc.srv, func(p *peer) error {
			_, _, err := p.readRequest()
			return err
		})
		ctx, cancel := context.WithCancel(context.Background())
		mustReserve(t, pc.Conn)
		res := startRoundTrip(pc, newReq(t, "GET", "http://h/", nil).WithContext(ctx))
		synctest.Wait()
		cancel()
		r := <-res
		require.ErrorIs(t, r.err, context.Canceled)
		require.ErrorContains(t, r.err, "h1: awaiting response header")
		require.Error(t, pc.Err())
		require.EqualValues(t, 1, pc.changes.Load())
	})
}

func TestCancelWhileReadingBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		serve(t, pc.srv, answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
		ctx, cancel := context.WithCancel(context.Background())
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil).WithContext(ctx))
		require.NoError(t, err)
		b := make([]byte, 3)
		_, err = io.ReadFull(resp.Body, b)
		require.NoError(t, err)
		go func() { synctest.Wait(); cancel() }()
		_, err = resp.Body.Read(b)
		require.ErrorIs(t, err, context.Canceled)
		require.Error(t, pc.Err())
		require.Equal(t, 0, pc.InFlight())
		require.NoError(t, resp.Body.Close())
	})
}

func TestContextDeadlineWhileAwaitingHeader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		serve(t, pc.srv, func(p *peer) error {
			_, _, err := p.readRequest()
			return err
		})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		mustReserve(t, pc.Conn)
		start := time.Now()
		_, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil).WithContext(ctx))
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 3*time.Second, time.Since(start))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "an expired deadline is a timeout: %v", err)
	})
}

func TestResponseHeaderTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, &Config{ResponseHeaderTimeout: 2 * time.Second}, ConnOptions{})
		serve(t, pc.srv, func(p *peer) error {
			_, _, err := p.readRequest()
			return err
		})
		mustReserve(t, pc.Conn)
		start := time.Now()
		_, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.Equal(t, 2*time.Second, time.Since(start))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "a net.Error with Timeout: %v", err)
		require.EqualError(t, err, "h1: timeout awaiting response headers after 2s (wrote 70 bytes)")
		// As net/http's HTTP/1.1 error for it: also the deadline kind,
		// and a timeout by plain assertion.
		require.ErrorIs(t, err, context.DeadlineExceeded)
		te, ok := err.(net.Error)
		require.True(t, ok && te.Timeout(), "the error itself is a net.Error timeout: %T", err)
		require.Error(t, pc.Err())
	})
}

// The header timer covers only the wait for the header: a slow body after
// a prompt header is not cut off.
func TestResponseHeaderTimeoutDoesNotLimitBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, &Config{ResponseHeaderTimeout: time.Second}, ConnOptions{})
		serve(t, pc.srv, func(p *peer) error {
			if err := answer("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")(p); err != nil {
				return err
			}
			time.Sleep(5 * time.Second) // fake time: the body's second half is late
			return p.write("cd")
		})
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		require.Equal(t, "abcd", readAll(t, resp))
		require.NoError(t, pc.Err())
	})
}
