package contract

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// causeCloser is how the pool closes a connection for a reason
// (Client.Close hands down ErrClientClosed).
type causeCloser interface {
	CloseWithError(cause error) error
}

var errShutdown = errors.New("test: client shut down")

// A close with a cause ends what it cuts short (a request awaiting its
// answer, a response body being read) with an error matching the cause, so
// the reader can tell its own shutdown from a server's failure; how far the
// request got is marked as after a plain Close.
func TestConnCloseWithErrorAtEachStage(t *testing.T) {
	for _, s := range []stage{beforeSend, awaitHeaders, readingBody} {
		t.Run(s.String(), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, holdHandler)
				cc, ok := e.conn.(causeCloser)
				require.True(t, ok, "%s has no CloseWithError", k.name)
				err := interrupt(t, e, context.Background(), s, func() { cc.CloseWithError(errShutdown) })
				require.ErrorIs(t, err, errShutdown)
				want := retry.MaybeProcessed
				switch s {
				case beforeSend:
					want = retry.Unprocessed
				case awaitHeaders:
					want = retry.NoResponse
				}
				require.Equal(t, want, retry.ProgressOf(err), "%v", err)
				require.Error(t, e.conn.Err())
			})
		})
	}
}
