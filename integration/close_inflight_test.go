package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/plexhttp/plex"
)

const closeInFlight = 1000

var _ = registerSuite("TestCloseFailsAThousandRequestsInFlight", TestCloseFailsAThousandRequestsInFlight)

// TestCloseFailsAThousandRequestsInFlight closes a Client while 1,000
// requests are in flight, on HTTP/1.1 and on HTTP/2: half wait for their
// response head, half are reading a body the server stopped sending. Close
// returns, every request fails (a RoundTrip with ErrClientClosed, a body
// read with an error), and no goroutine is left behind.
func TestCloseFailsAThousandRequestsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections skipped in -short mode")
	}
	checks(t, "Resources", "API: Close", "Close with 1,000 requests in flight on h1 and h2: all fail with ErrClientClosed or a body error, no goroutine leaks")
	for _, proto := range []string{"h1", "h2"} {
		t.Run(proto, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			arrived := make(chan struct{}, closeInFlight)
			release := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("body") == "1" {
					w.Header().Set("Content-Length", "100")
					_, _ = io.WriteString(w, "partial")
					w.(http.Flusher).Flush()
				}
				arrived <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				}
			})
			var s *goServer
			var c *plex.Client
			if proto == "h1" {
				s = newGoServer(h)
				s.Start()
				var err error
				c, err = plex.New(plex.WithProtocols(plex.HTTP1))
				require.NoError(t, err)
			} else {
				s = newGoServer(h)
				s.EnableHTTP2 = true
				s.StartTLS()
				var err error
				c, err = plex.New(plex.WithTLSConfig(s.clientTLS()))
				require.NoError(t, err)
			}
			s.Config.ErrorLog = nil
			defer s.Close()
			defer close(release)

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			errs := make(chan error, closeInFlight)
			for i := range closeInFlight {
				go func() {
					withBody := i%2 == 1
					url := s.URL + "/?i=" + strconv.Itoa(i)
					if withBody {
						url += "&body=1"
					}
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					if err != nil {
						errs <- err
						return
					}
					resp, err := c.RoundTrip(req)
					if err != nil {
						errs <- err
						return
					}
					defer resp.Body.Close()
					if !withBody {
						errs <- errors.New("a response head arrived though the server sent none")
						return
					}
					_, err = io.ReadAll(resp.Body)
					if err == nil {
						err = errors.New("a body of 100 bytes ended after 7 without error")
					}
					errs <- &bodyError{err}
				}()
			}
			for range closeInFlight {
				select {
				case <-arrived:
				case <-ctx.Done():
					require.FailNow(t, "the requests did not all reach the server", "stats %+v", c.Stats())
				}
			}
			require.Equal(t, closeInFlight, c.Stats().InFlight)

			closed := make(chan error, 1)
			go func() { closed <- c.Close() }()
			select {
			case err := <-closed:
				require.NoError(t, err)
			case <-ctx.Done():
				require.FailNow(t, "Close did not return")
			}
			var clientClosed, bodyErrs int
			var sample [2]error
			for range closeInFlight {
				var err error
				select {
				case err = <-errs:
				case <-ctx.Done():
					require.FailNow(t, "requests still running after Close", "%d closed, %d body errors", clientClosed, bodyErrs)
				}
				var be *bodyError
				switch {
				case errors.As(err, &be):
					bodyErrs++
					require.NotContains(t, be.Error(), "without error")
					sample[1] = err
				default:
					require.ErrorIs(t, err, plex.ErrClientClosed)
					clientClosed++
					sample[0] = err
				}
			}
			t.Logf("%s: %d requests failed with ErrClientClosed (%v), %d body reads failed (%v)", proto, clientClosed, sample[0], bodyErrs, sample[1])
			require.Equal(t, closeInFlight/2, clientClosed)
			require.Equal(t, closeInFlight/2, bodyErrs)
		})
	}
}

// bodyError is a failure while reading a response body.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }
