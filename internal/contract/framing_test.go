package contract

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// Content-Length: identical duplicates are one value, folded, by one rule on
// both protocols (header.ContentLength; its own tests cover the values Go's
// HTTP/2 server will not send, conflicting or malformed ones).
func TestContentLengthRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []string
		want string // error text, or "" for success
	}{
		{"one", []string{"5"}, ""},
		{"identical duplicates", []string{"5", "5"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header()["Content-Length"] = tc.vals
					io.WriteString(w, "hello")
				}))
				resp, err := e.roundTrip(e.get(context.Background(), "/"))
				if tc.want != "" {
					require.ErrorContains(t, err, tc.want)
					return
				}
				require.NoError(t, err)
				defer resp.Body.Close()
				require.Equal(t, int64(5), resp.ContentLength)
				require.Equal(t, []string{"5"}, resp.Header["Content-Length"])
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.Equal(t, "hello", string(body))
			})
		})
	}
}

// The Trailer field becomes resp.Trailer's keys and leaves resp.Header, as
// net/http does on HTTP/1.1 (x/net's HTTP/2 client keeps it in Header too;
// plex does the same on both). Declaring a framing field is an error.
func TestTrailerDeclaration(t *testing.T) {
	for _, tc := range []struct {
		declared string
		want     string
	}{
		{"X-Sum, X-Count", ""},
		{"Content-Length", `forbidden trailer declared "Content-Length"`},
	} {
		t.Run(tc.declared, func(t *testing.T) {
			forEachKind(t, func(t *testing.T, k kind) {
				e := newEnv(t, k, settings{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Trailer", tc.declared)
					w.WriteHeader(http.StatusOK)
					io.WriteString(w, "body")
				}))
				resp, err := e.roundTrip(e.get(context.Background(), "/"))
				if tc.want != "" {
					require.ErrorContains(t, err, tc.want)
					return
				}
				require.NoError(t, err)
				defer resp.Body.Close()
				require.NotContains(t, resp.Header, "Trailer")
				require.Equal(t, http.Header{"X-Sum": nil, "X-Count": nil}, resp.Trailer)
			})
		})
	}
}
