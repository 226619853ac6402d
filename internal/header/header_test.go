package header

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValueMatchesGetForCanonicalKeys(t *testing.T) {
	h := http.Header{}
	h.Add("Content-Encoding", "gzip")
	h.Add("Content-Encoding", "br")
	h["X-Empty"] = nil
	for _, k := range []string{"Content-Encoding", "X-Empty", "Missing"} {
		require.Equal(t, h.Get(k), Value(h, k), k)
	}
}

func TestInvalid(t *testing.T) {
	_, _, ok := Invalid(http.Header{"X-Ok": {"fine\tvalue"}})
	require.True(t, ok)
	name, badName, ok := Invalid(http.Header{"Bad Name": {"v"}})
	require.False(t, ok)
	require.True(t, badName)
	require.Equal(t, "Bad Name", name)
	name, badName, ok = Invalid(http.Header{"X-Secret": {"a\r\nb"}})
	require.False(t, ok)
	require.False(t, badName)
	require.Equal(t, "X-Secret", name)
}

func TestCommonIsCanonicalAndUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Common {
		require.Equal(t, http.CanonicalHeaderKey(k), k)
		require.False(t, seen[k], "%s listed twice", k)
		seen[k] = true
	}
}

func TestForbiddenTrailer(t *testing.T) {
	for _, k := range []string{"Content-Length", "content-length", "TRANSFER-ENCODING", "Trailer",
		"Host", "host", "Authorization", "Content-Encoding", "Content-Type", "Te", "Connection",
		"If-None-Match", "Set-Cookie"} {
		require.True(t, ForbiddenTrailer(k), k)
	}
	for _, k := range []string{"X-Checksum", "Grpc-Status", "Server-Timing", "Digest", ""} {
		require.False(t, ForbiddenTrailer(k), k)
	}
	require.Equal(t, "", ForbiddenTrailerIn(nil))
	require.Equal(t, "", ForbiddenTrailerIn(http.Header{"X-Sum": nil}))
	require.Equal(t, "Content-Length", ForbiddenTrailerIn(http.Header{"X-Sum": nil, "Host": nil, "Content-Length": nil}))
}

func TestMisspelledManaged(t *testing.T) {
	for _, k := range []string{"host", "HOST", "content-length", "transfer-encoding", "Transfer-encoding", "te", "expect", "user-agent"} {
		key, canon := MisspelledManaged(http.Header{"X-Ok": {"1"}, k: {"v"}})
		require.Equal(t, k, key)
		require.Equal(t, http.CanonicalHeaderKey(k), canon)
	}
	for _, h := range []http.Header{nil, {"Host": {"h"}, "Content-Length": {"1"}}, {"x-custom": {"1"}, "X-API-KEY": {"k"}}} {
		key, _ := MisspelledManaged(h)
		require.Empty(t, key, "%v", h)
	}
}
