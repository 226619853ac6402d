package integration

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/integration/realserver"
)

// Many downloads on one connection, every response collected first and the
// bodies then read one after another, as a bounded worker pool draining
// downloads does. Together they exceed the connection's receive window, so
// the bytes buffered for the bodies not read yet must not starve the one
// being read.
func TestInteropBodiesReadOneByOne(t *testing.T) {
	const behaviour = "1 MiB bodies read one by one"
	forEachTarget(t, behaviour, []realserver.Proto{realserver.H2, realserver.H2C}, func(t *testing.T, tg *interopTarget) {
		w := newStreamWatch()
		c := tg.client(t, plex.WithStrictMaxConcurrentStreams(true), plex.WithMaxConnsPerHost(1), plex.WithFrameTrace(w.frame))
		get(t, c, tg.url+realserver.SmallFile)
		limit, _ := w.get()
		require.Positive(t, limit, "server announced no SETTINGS_MAX_CONCURRENT_STREAMS")
		n := min(20, limit)

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		type result struct {
			resp *http.Response
			err  error
		}
		results := make(chan result, n)
		for range n {
			go func() {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, tg.url+realserver.File1M, nil)
				if err != nil {
					results <- result{nil, err}
					return
				}
				resp, err := c.RoundTrip(req)
				results <- result{resp, err}
			}()
		}
		var resps []*http.Response
		defer func() {
			for _, r := range resps {
				r.Body.Close()
			}
		}()
		for range n {
			r := <-results
			require.NoError(t, r.err)
			resps = append(resps, r.resp)
		}
		want := realserver.Sum(realserver.File(realserver.File1M))
		for i, resp := range resps {
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err, "body %d of %d", i+1, n)
			require.Equal(t, want, sum(body), "body %d of %d", i+1, n)
		}
		require.EqualValues(t, 1, c.Stats().Dials)
		noteInterop(t, string(tg.srv.Kind), string(tg.proto), behaviour,
			"%d concurrent 1 MiB downloads on one connection, read one after another", n)
	})
}
