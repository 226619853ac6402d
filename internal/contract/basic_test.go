package contract

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGetSmallBody(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Proto", r.Proto)
			io.WriteString(w, "hello")
		}))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, k.proto, resp.Proto)
		require.Equal(t, k.proto, resp.Header.Get("X-Proto"))
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "hello", string(body))
	})
}
