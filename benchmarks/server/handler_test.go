package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestResourcesAnswerAsTheSuiteExpects(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		body         []byte
		want         string
		wantLen      int
	}{
		{"GET", "/", nil, "hello, world", 12},
		{"GET", "/mib", nil, "", 1 << 20},
		{"POST", "/upload", bytes.Repeat([]byte("x"), 1000), "1000", 4},
	} {
		rec := httptest.NewRecorder()
		handler(rec, httptest.NewRequest(tc.method, tc.path, bytes.NewReader(tc.body)))
		require.Equal(t, http.StatusOK, rec.Code, tc.path)
		b, err := io.ReadAll(rec.Body)
		require.NoError(t, err)
		require.Len(t, b, tc.wantLen, tc.path)
		if tc.want != "" {
			require.Equal(t, tc.want, string(b), tc.path)
		}
	}
}
