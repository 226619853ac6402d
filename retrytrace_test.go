package plex

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

func TestRetryReasonFromMarks(t *testing.T) {
	base := errors.New("boom")
	for _, tc := range []struct {
		err  error
		want RetryReason
	}{
		{retry.Mark(base, retry.Unprocessed), RetryNotProcessed},
		{retry.MarkRefused(base), RetryRefused},
		{retry.MarkShutdown(base), RetryShutdown},
		{retry.Mark(base, retry.NoResponse), RetryConnLost},
	} {
		require.Equal(t, tc.want, retryReason(tc.err), "%v", tc.err)
	}
	require.Equal(t, "refused", RetryRefused.String())
	require.Equal(t, "RetryReason(0)", RetryReason(0).String())
}

// WithRetryTrace composes as httptrace.WithClientTrace does: the newest
// hooks first, then the ones already on the context.
func TestWithRetryTraceComposes(t *testing.T) {
	var got []string
	ctx := WithRetryTrace(context.Background(), &RetryTrace{Retry: func(i RetryInfo) { got = append(got, "outer") }})
	ctx = WithRetryTrace(ctx, &RetryTrace{}) // no hook of its own keeps the outer one
	ctx = WithRetryTrace(ctx, &RetryTrace{Retry: func(i RetryInfo) { got = append(got, "inner") }})
	require.Same(t, ctx, WithRetryTrace(ctx, nil))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://example.com/", nil)
	require.NoError(t, err)
	traceRetry(ContextRetryTrace(ctx), req, 2, retry.MarkRefused(errors.New("no")), false, 0)
	require.Equal(t, []string{"inner", "outer"}, got)
	require.Nil(t, ContextRetryTrace(context.Background()))
	traceRetry(nil, req, 2, errors.New("x"), false, 0) // no trace: nothing to call
}
