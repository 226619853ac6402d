package contract

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// streamThenHang writes a first chunk and then waits for the request to end,
// so the client has a body whose Read waits for bytes that never come.
func streamThenHang(first string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, first)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
}

// Close from another goroutine while a Read waits ends the Read with an
// error (never a clean EOF), without a data race.
func TestBodyCloseDuringRead(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, streamThenHang("first"))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		buf := make([]byte, 5)
		_, err = io.ReadFull(resp.Body, buf)
		require.NoError(t, err)
		rest := make(chan error, 1)
		go func() {
			_, err := io.ReadAll(resp.Body)
			rest <- err
		}()
		synctest.Wait()
		require.NoError(t, resp.Body.Close())
		err = <-rest
		require.Error(t, err)
		require.NotErrorIs(t, err, io.EOF)
	})
}

func gzipHandler(text string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			io.WriteString(w, text)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, text)
		zw.Close()
	})
}

// The connection asks for gzip itself and decodes it transparently, as
// net/http does: Uncompressed set, no Content-Encoding, unknown length.
func TestTransparentGzip(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		text := strings.Repeat("compress me ", 1000)
		e := newEnv(t, k, settings{}, gzipHandler(text))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.True(t, resp.Uncompressed)
		require.Empty(t, resp.Header.Get("Content-Encoding"))
		require.Empty(t, resp.Header.Get("Content-Length"))
		require.Equal(t, int64(-1), resp.ContentLength)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, text, string(got))
	})
}

// A caller that asks for gzip itself gets the bytes as sent.
func TestCallersOwnAcceptEncodingIsNotDecoded(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, gzipHandler("hello"))
		req := e.get(context.Background(), "/")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := e.roundTrip(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.False(t, resp.Uncompressed)
		require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
		zr, err := gzip.NewReader(resp.Body)
		require.NoError(t, err)
		got, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, "hello", string(got))
	})
}

// Trailers: the declared keys are in resp.Trailer before the body is read,
// with their values once it reached EOF.
func TestResponseTrailers(t *testing.T) {
	forEachKind(t, func(t *testing.T, k kind) {
		e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "body")
			w.(http.Flusher).Flush()
			w.Header().Set("X-Sum", "42")
		}))
		resp, err := e.roundTrip(e.get(context.Background(), "/"))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Contains(t, resp.Trailer, "X-Sum")
		require.Empty(t, resp.Trailer.Get("X-Sum"))
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "body", string(got))
		require.Equal(t, "42", resp.Trailer.Get("X-Sum"))
	})
}

// Informational responses reach httptrace's Got1xxResponse; more than five
// before the final response fail the request, on both protocols.
func TestInformationalResponses(t *testing.T) {
	for _, n := range []int{2, 5, 6} {
		t.Run(strings.Repeat("1xx ", n), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					for i := 0; i < n; i++ {
						w.Header().Set("Link", "</style.css>; rel=preload")
						w.WriteHeader(http.StatusEarlyHints)
					}
					io.WriteString(w, "final")
				}))
				var got []int
				ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
					Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
						got = append(got, code)
						return nil
					},
				})
				resp, err := e.roundTrip(e.get(ctx, "/"))
				if n > 5 {
					require.ErrorContains(t, err, "more than 5 informational (1xx) responses")
					return
				}
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.Len(t, got, n)
				require.Equal(t, http.StatusEarlyHints, got[0])
			})
		})
	}
}

// A trailer section is bounded by one limit on both protocols: the body's
// bytes arrive whole, and then the read fails, never a clean EOF.
func TestTrailerSectionLimit(t *testing.T) {
	for _, size := range []int{4 << 10, 16 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Trailer", "X-Big")
					io.WriteString(w, "body")
					w.(http.Flusher).Flush()
					w.Header().Set("X-Big", strings.Repeat("v", size))
				}))
				resp, err := e.roundTrip(e.get(context.Background(), "/"))
				require.NoError(t, err)
				defer resp.Body.Close()
				got, err := io.ReadAll(resp.Body)
				require.Equal(t, "body", string(got))
				if size > 8<<10 {
					require.ErrorContains(t, err, "response trailer section exceeds 8192 bytes")
					return
				}
				require.NoError(t, err)
				require.Len(t, resp.Trailer.Get("X-Big"), size)
			})
		})
	}
}
