package header

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestContentLength(t *testing.T) {
	for _, tc := range []struct {
		vals []string
		n    int64
		ok   bool
		err  string
	}{
		{nil, 0, false, ""},
		{[]string{"0"}, 0, true, ""},
		{[]string{"123"}, 123, true, ""},
		{[]string{"5", "5"}, 5, true, ""},
		{[]string{"5", "6"}, 0, false, `conflicting Content-Length values "5" and "6"`},
		{[]string{"+5"}, 0, false, `invalid Content-Length "+5"`},
		{[]string{"-1"}, 0, false, `invalid Content-Length "-1"`},
		{[]string{""}, 0, false, `invalid Content-Length ""`},
		{[]string{"5 "}, 0, false, `invalid Content-Length "5 "`},
		{[]string{"1234567890123456789"}, 0, false, "invalid Content-Length"},
	} {
		n, ok, err := ContentLength(tc.vals)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, "%q", tc.vals)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.n, n)
		require.Equal(t, tc.ok, ok)
	}
}

func TestDeclareTrailers(t *testing.T) {
	resp := &http.Response{Header: http.Header{"Trailer": {"x-sum, X-Count", ""}}}
	require.NoError(t, DeclareTrailers(resp, http.CanonicalHeaderKey))
	require.NotContains(t, resp.Header, "Trailer")
	require.Equal(t, http.Header{"X-Sum": nil, "X-Count": nil}, resp.Trailer)

	for _, bad := range []string{"Content-Length", "transfer-encoding", "Trailer"} {
		resp := &http.Response{Header: http.Header{"Trailer": {bad}}}
		require.ErrorContains(t, DeclareTrailers(resp, http.CanonicalHeaderKey), "forbidden trailer declared")
	}
}
