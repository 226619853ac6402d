package retry

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnmarkedErrorsCountAsMaybeProcessed(t *testing.T) {
	for _, err := range []error{nil, io.EOF, fmt.Errorf("h1: reading response: %w", io.EOF)} {
		require.Equal(t, MaybeProcessed, ProgressOf(err), "%v", err)
	}
}

func TestMarkIsReadThroughWrapping(t *testing.T) {
	base := errors.New("h2: stream refused")
	for _, p := range []Progress{MaybeProcessed, NoResponse, Unprocessed, Invalid} {
		marked := Mark(base, p)
		require.Equal(t, base.Error(), marked.Error(), "marking must not change the message")
		require.ErrorIs(t, marked, base)

		wrapped := fmt.Errorf("plex: GET https://example.com/: %w", marked)
		require.Equal(t, p, ProgressOf(wrapped))
		require.ErrorIs(t, wrapped, base)
	}
}

func TestMarkingNoErrorLeavesNoError(t *testing.T) {
	// A nil error in a non-nil interface would read as a failure.
	require.NoError(t, Mark(nil, Unprocessed))
}

func TestMarkShutdown(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", MarkShutdown(errors.New("closed after GOAWAY")))
	require.True(t, AtShutdown(err))
	require.Equal(t, NoResponse, ProgressOf(err))
	require.False(t, AtShutdown(Mark(errors.New("x"), NoResponse)))
	require.False(t, AtShutdown(errors.New("x")))
	require.Nil(t, MarkShutdown(nil))
}

// url.Error asks its Err for Timeout directly: a mark must not hide it.
func TestMarkKeepsTimeout(t *testing.T) {
	for _, mark := range []func(error) error{
		func(err error) error { return Mark(err, Unprocessed) }, MarkShutdown, MarkRefused,
	} {
		ue := &url.Error{Op: "Get", URL: "http://x/", Err: mark(fmt.Errorf("wrapped: %w", os.ErrDeadlineExceeded))}
		require.True(t, ue.Timeout())
		ue = &url.Error{Op: "Get", URL: "http://x/", Err: mark(errors.New("boom"))}
		require.False(t, ue.Timeout())
	}
}

func TestMarkStale(t *testing.T) {
	err := MarkStale(errors.New("h1: server closed idle connection"))
	require.True(t, Stale(err))
	require.Equal(t, Unprocessed, ProgressOf(err))
	require.False(t, Refused(err))
	require.False(t, Stale(Mark(errors.New("x"), Unprocessed)))
	require.NoError(t, MarkStale(nil))
}
