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
		{"GET", "/bytes?n=3000001", nil, "", 3000001},
		{"GET", "/bytes?n=0", nil, "", 0},
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

func TestBytesRefusesASizeItCannotServe(t *testing.T) {
	for _, q := range []string{"", "?n=-1", "?n=x", "?n=99999999999"} {
		rec := httptest.NewRecorder()
		handler(rec, httptest.NewRequest("GET", "/bytes"+q, nil))
		require.Equal(t, http.StatusBadRequest, rec.Code, q)
	}
}
