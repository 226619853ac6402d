package plex

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/retry"
)

func TestReplayFollowsTheMarks(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	boom := errors.New("boom")
	get, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	post, _ := http.NewRequest(http.MethodPost, "http://x/", strings.NewReader("body"))
	keyed, _ := http.NewRequest(http.MethodPost, "http://x/", strings.NewReader("body"))
	keyed.Header.Set("Idempotency-Key", "k")
	pipe, _ := http.NewRequest(http.MethodPut, "http://x/", strings.NewReader("body"))
	pipe.GetBody = nil
	for _, tc := range []struct {
		name   string
		req    *http.Request
		mark   retry.Progress
		reused bool
		want   bool
	}{
		{"unprocessed get", get, retry.Unprocessed, false, true},
		{"unprocessed post", post, retry.Unprocessed, false, true},
		{"unprocessed without replayable body", pipe, retry.Unprocessed, true, false},
		{"no response get reused", get, retry.NoResponse, true, true},
		{"no response get fresh", get, retry.NoResponse, false, false},
		{"no response post reused", post, retry.NoResponse, true, false},
		{"no response keyed post reused", keyed, retry.NoResponse, true, true},
		{"maybe processed get", get, retry.MaybeProcessed, true, false},
		{"invalid", get, retry.Invalid, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := c.replay(tc.req, retry.Mark(boom, tc.mark), tc.reused, 1)
			require.Equal(t, tc.want, next != nil)
		})
	}
	require.Nil(t, c.replay(get, retry.Mark(boom, retry.Unprocessed), true, c.backoff.MaxTries), "attempts are bounded")

	graceful := retry.MarkShutdown(fmt.Errorf("closed: %w", h2.GoAwayError{LastStreamID: 1, Code: h2.ErrCodeNo}))
	require.NotNil(t, c.replay(get, graceful, false, 1), "a graceful shutdown's silence is not the request's fault")
	require.Nil(t, c.replay(post, graceful, false, 1), "but a POST may have been processed")
	abrupt := retry.Mark(fmt.Errorf("closed: %w", h2.GoAwayError{LastStreamID: 1, Code: h2.ErrCodeInternal}), retry.NoResponse)
	require.Nil(t, c.replay(get, abrupt, false, 1))
}

func TestReplayGivesAFreshBody(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	post, _ := http.NewRequest(http.MethodPost, "http://x/", strings.NewReader("body"))
	buf := make([]byte, 4)
	_, err = post.Body.Read(buf)
	require.NoError(t, err)
	next := c.replay(post, retry.Mark(errors.New("x"), retry.Unprocessed), false, 1)
	require.NotNil(t, next)
	require.NotSame(t, post, next, "the caller's request is not modified")
	n, err := next.Body.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "body", string(buf[:n]))
}

func TestFinalErrorSaysWhetherProcessed(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	base := errors.New("h1: connection reset")
	err = c.finalError(req, base, false)
	require.ErrorIs(t, err, ErrMaybeProcessed)
	require.ErrorIs(t, err, base)
	require.Equal(t, "plex: request may have been processed: h1: connection reset", err.Error())
	err = c.finalError(req, retry.Mark(base, retry.Unprocessed), false)
	require.NotErrorIs(t, err, ErrMaybeProcessed)
	require.ErrorIs(t, err, base)
	err = c.finalError(req, retry.Mark(base, retry.Unprocessed), true)
	require.ErrorIs(t, err, ErrMaybeProcessed, "an earlier try may have been processed")
	require.ErrorIs(t, err, base)
}
