package plex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/timeout"
)

// The maybe-processed note goes in front of the cause, whose text ends the
// message as net/http's would; an HTTP/2 stream error that reads as x/net's
// keeps that text alone, since connect-go parses a reset from its first
// byte to its last.
func TestFinalErrorKeepsTheCauseTextLast(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://x/", strings.NewReader("b"))
	reset := h2.StreamError{StreamID: 5, Code: h2.ErrCodeCancel, Remote: true}
	for _, tc := range []struct {
		cause error
		want  string
	}{
		{retry.Mark(reset, retry.NoResponse), "stream error: stream ID 5; CANCEL; received from peer"},
		{reset, "stream error: stream ID 5; CANCEL; received from peer"},
		{h2.StreamError{StreamID: 3, Code: h2.ErrCodeProtocol, Cause: errors.New("bad")},
			"stream error: stream ID 3; PROTOCOL_ERROR; bad"},
		{fmt.Errorf("h2: reading response: %w", reset),
			"plex: request may have been processed: h2: reading response: stream error: stream ID 5; CANCEL; received from peer"},
		{errors.New("h2: reading from connection: EOF"), "plex: request may have been processed: h2: reading from connection: EOF"},
	} {
		err := c.finalError(req, tc.cause, false)
		require.ErrorIs(t, err, ErrMaybeProcessed)
		require.Equal(t, tc.want, err.Error())
		require.True(t, strings.HasSuffix((&url.Error{Op: "Post", URL: "http://x/", Err: err}).Error(), tc.cause.Error()))
	}
	// A context that ended says so first; the reset is then not what
	// ended the call.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.finalError(req.WithContext(ctx), reset, false)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, "plex: request may have been processed: context canceled: stream error: stream ID 5; CANCEL; received from peer", err.Error())
}

// A timeout stays one for callers, url.Error among them, that ask the error
// itself rather than through errors.As.
func TestFinalErrorKeepsTimeout(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	for _, p := range []retry.Progress{retry.MaybeProcessed, retry.Unprocessed} {
		err := c.finalError(req, retry.Mark(timeout.Errorf("h2: write made no progress for 1s"), p), false)
		ue := &url.Error{Op: "Get", URL: "http://x/", Err: err}
		require.True(t, ue.Timeout(), "progress %v: %v", p, err)
	}
}
