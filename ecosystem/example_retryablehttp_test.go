package ecosystem_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/plexhttp/plex"
)

// plex under go-retryablehttp, with a retry policy that never sends again
// a request the server may already have acted on: plex says so with
// ErrMaybeProcessed, and resends on its own only what provably was not.
func Example_retryablehttp() {
	var flaky, charges atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky": // busy once, then fine
			if flaky.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "ok")
		case "/charge": // acts on the request, then the connection drops
			io.Copy(io.Discard, r.Body)
			charges.Add(1)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		}
	}))
	defer srv.Close()

	c, err := plex.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	rc := retryablehttp.NewClient()
	rc.HTTPClient = c.HTTPClient()
	rc.Logger = nil
	rc.RetryWaitMin, rc.RetryWaitMax = time.Millisecond, 10*time.Millisecond
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if errors.Is(err, plex.ErrMaybeProcessed) {
			return false, err // sending it again could charge twice
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}

	resp, err := rc.Get(srv.URL + "/flaky")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println("GET /flaky:", resp.StatusCode, "after", flaky.Load(), "attempts")

	_, err = rc.Post(srv.URL+"/charge", "text/plain", []byte("10 EUR"))
	fmt.Println("POST /charge: may have been processed:", errors.Is(err, plex.ErrMaybeProcessed),
		"; attempts:", charges.Load())
	// Output:
	// GET /flaky: 200 after 2 attempts
	// POST /charge: may have been processed: true ; attempts: 1
}
