package h1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"testing"

	"github.com/stretchr/testify/require"
)

var responseSeeds = []string{
	okHello,
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n3\r\nabc\r\n0\r\nX: 1\r\n\r\n",
	"HTTP/1.0 200 OK\r\n\r\nuntil close",
	"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
	"HTTP/1.1 200\r\nset-cookie: a\r\nSet-Cookie: b\r\n\r\n",
	"HTTP/1.1 301 Moved\r\nLocation: /x\r\nConnection: close\r\n\r\n",
	"HTTP/1.1 200 OK\nContent-Length: 0\n\n",
	"HTTP/1.1 200 OK\r\nX: \xff\x01\r\n\r\n",
}

// readFully parses raw and reads the whole body.
func readFully(raw []byte, read func(*bufio.Reader) (*http.Response, error)) (*http.Response, []byte, error) {
	resp, err := read(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// FuzzReadResponse checks the parser never panics, and that whatever it
// accepts net/http accepts too, with the same meaning: ours may be
// stricter, never looser.
func FuzzReadResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"), true)
	f.Fuzz(func(t *testing.T, raw []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		req, err := http.NewRequest(method, "http://h/", nil)
		require.NoError(t, err)
		ours, ourBody, ourErr := readFully(raw, func(br *bufio.Reader) (*http.Response, error) {
			return readResponse(br, req, 1<<16)
		})
		if ourErr != nil {
			return
		}
		theirs, theirBody, theirErr := readFully(raw, func(br *bufio.Reader) (*http.Response, error) {
			return http.ReadResponse(br, req)
		})
		require.NoError(t, theirErr, "we accepted what net/http rejects: %q", raw)
		require.Equal(t, theirs.StatusCode, ours.StatusCode)
		require.Equal(t, theirs.Status, ours.Status)
		require.Equal(t, theirs.Proto, ours.Proto)
		require.Equal(t, theirs.ProtoMinor, ours.ProtoMinor)
		require.Equal(t, theirs.Header, ours.Header)
		require.Equal(t, theirs.ContentLength, ours.ContentLength)
		require.Equal(t, theirs.TransferEncoding, ours.TransferEncoding)
		require.Equal(t, theirs.Close, ours.Close)
		require.Equal(t, theirBody, ourBody)
		require.Equal(t, theirs.Trailer, ours.Trailer)
	})
}

// FuzzChunked compares the chunked decoder with httputil's on the same
// bytes: ours may reject more, but what it accepts must decode alike.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"0\r\n\r\n",
		"3\r\nabc\r\n0\r\n\r\n",
		"3;name=value\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
		"a \r\n0123456789\r\n0\r\n\r\n",
		"3\nabc\n0\n\n",
		"3\r\nabcX\r\n",
		"ffffffffffffffffff\r\n",
		"1;" + string(bytes.Repeat([]byte("e"), 100)) + "\r\nx\r\n0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		budget := int64(1 << 16)
		cr := &chunkedReader{br: bufio.NewReader(bytes.NewReader(raw)), p: &headParser{}, budget: &budget}
		ours, err := io.ReadAll(cr)
		if err != nil {
			return
		}
		theirs, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(raw)))
		require.NoError(t, err, "we accepted what httputil rejects: %q", raw)
		require.Equal(t, theirs, ours)
	})
}
