package h1

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/header"
)

func parse(t *testing.T, method, raw string, limit int64) (*http.Response, error) {
	t.Helper()
	req := newReq(t, method, "http://h/", nil)
	return readResponse(bufio.NewReader(strings.NewReader(raw)), req, limit)
}

func TestReadResponseParses(t *testing.T) {
	tests := []struct {
		name, method, raw string
		status            string
		code, minor       int
		header            http.Header
		length            int64
		body              string
		close             bool
		trailer           http.Header
	}{{
		name: "content length", raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
		status: "200 OK", code: 200, minor: 1, length: 5, body: "hello",
		header: http.Header{"Content-Length": {"5"}, "Content-Type": {"text/plain"}},
	}, {
		name:   "names canonicalized, values trimmed, repeats kept in order",
		raw:    "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nx-custom-thing:  a \t\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n",
		status: "200 OK", code: 200, minor: 1,
		header: http.Header{"Content-Length": {"0"}, "X-Custom-Thing": {"a"}, "Set-Cookie": {"a=1", "b=2"}},
	}, {
		name: "chunked with extension and trailers",
		raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
			"3;ext=1\r\nabc\r\n2 \r\nde\r\n0\r\nX-Sum: 9\r\n\r\n",
		status: "200 OK", code: 200, minor: 1, length: -1, body: "abcde",
		header: http.Header{}, trailer: http.Header{"X-Sum": {"9"}},
	}, {
		name: "until close", raw: "HTTP/1.1 200 OK\r\n\r\nall of it",
		status: "200 OK", code: 200, minor: 1, length: -1, body: "all of it", close: true, header: http.Header{},
	}, {
		name: "http/1.0 without keep-alive closes", raw: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
		status: "200 OK", code: 200, minor: 0, length: 1, body: "x", close: true,
		header: http.Header{"Content-Length": {"1"}},
	}, {
		name: "http/1.0 keep-alive", raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
		status: "200 OK", code: 200, minor: 0, length: 1, body: "x",
		header: http.Header{"Connection": {"keep-alive"}, "Content-Length": {"1"}},
	}, {
		name: "connection close", raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		status: "200 OK", code: 200, minor: 1, close: true,
		header: http.Header{"Content-Length": {"0"}},
	}, {
		name: "head has no body but reports length", method: "HEAD", raw: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n",
		status: "200 OK", code: 200, minor: 1, length: 99, header: http.Header{"Content-Length": {"99"}},
	}, {
		name: "204 has no body", raw: "HTTP/1.1 204 No Content\r\n\r\n",
		status: "204 No Content", code: 204, minor: 1, header: http.Header{},
	}, {
		name: "304 ignores length", raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n",
		status: "304 Not Modified", code: 304, minor: 1, header: http.Header{"Content-Length": {"7"}},
	}, {
		name: "identical duplicate lengths", raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi",
		status: "200 OK", code: 200, minor: 1, length: 2, body: "hi", header: http.Header{"Content-Length": {"2"}},
	}, {
		name: "custom reason and no reason", raw: "HTTP/1.1 299\r\nContent-Length: 0\r\n\r\n",
		status: "299", code: 299, minor: 1, header: http.Header{"Content-Length": {"0"}},
	}, {
		name: "obs-text in value", raw: "HTTP/1.1 200 Fine\r\nX: caf\xe9\r\nContent-Length: 0\r\n\r\n",
		status: "200 Fine", code: 200, minor: 1, header: http.Header{"X": {"caf\xe9"}, "Content-Length": {"0"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			resp, err := parse(t, method, tt.raw, 0)
			require.NoError(t, err)
			require.Equal(t, tt.status, resp.Status)
			require.Equal(t, tt.code, resp.StatusCode)
			require.Equal(t, 1, resp.ProtoMajor)
			require.Equal(t, tt.minor, resp.ProtoMinor)
			require.Equal(t, tt.header, resp.Header)
			require.Equal(t, tt.length, resp.ContentLength)
			require.Equal(t, tt.close, resp.Close)
			require.Equal(t, tt.body, readAll(t, resp))
			require.Equal(t, tt.trailer, resp.Trailer)
		})
	}
}

func TestReadResponseRejectsMalformed(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct{ name, raw, want string }{
		{"empty input", "", "h1: reading response header: unexpected EOF"},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", `h1: malformed status line "SSH-2.0-OpenSSH"`},
		{"http/2 version", "HTTP/2.0 200 OK\r\n\r\n", `h1: malformed status line "HTTP/2.0 200 OK"`},
		{"http/1.2", "HTTP/1.2 200 OK\r\n\r\n", `h1: unsupported protocol version "HTTP/1.2"`},
		{"two digit status", "HTTP/1.1 20 OK\r\n\r\n", `h1: malformed status code "HTTP/1.1 20 OK"`},
		{"four digit status", "HTTP/1.1 2000 OK\r\n\r\n", `h1: malformed status line "HTTP/1.1 2000 OK"`},
		{"letters in status", "HTTP/1.1 abc OK\r\n\r\n", `h1: malformed status code "HTTP/1.1 abc OK"`},
		{"status zero", "HTTP/1.1 099 OK\r\n\r\n", `h1: malformed status code "HTTP/1.1 099 OK"`},
		{"control byte in reason", "HTTP/1.1 200 O\x01K\r\n\r\n", `h1: malformed status line "HTTP/1.1 200 O\x01K"`},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "h1: header line ends in a bare LF, not CRLF"},
		{"no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", `h1: header line without colon "NoColon"`},
		{"space before colon", "HTTP/1.1 200 OK\r\nName : v\r\n\r\n", `h1: invalid header name "Name "`},
		{"empty name", "HTTP/1.1 200 OK\r\n: v\r\n\r\n", `h1: invalid header name ""`},
		{"obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", `h1: obsolete line folding in header " c"`},
		{"NUL in value", "HTTP/1.1 200 OK\r\nA: b\x00c\r\n\r\n", `h1: invalid byte 0x0 in value of header "A"`},
		{"CR in value", "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", `h1: invalid byte 0xd in value of header "A"`},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", `h1: conflicting Content-Length values "1" and "2"`},
		{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", `h1: invalid Content-Length "1, 1"`},
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", `h1: invalid Content-Length "-1"`},
		{"huge length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", `h1: invalid Content-Length "99999999999999999999"`},
		{"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", `h1: unsupported transfer-encoding "gzip, chunked"`},
		{"identity transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n", `h1: unsupported transfer-encoding "identity"`},
		{"two transfer-encoding fields", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", `h1: unsupported transfer-encoding "chunked, chunked"`},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "h1: response has both Content-Length and Transfer-Encoding"},
		{"chunked on http/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "h1: HTTP/1.0 response with Transfer-Encoding"},
		{"forbidden trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n", `h1: forbidden trailer declared "Content-Length"`},
		{"header too large", "HTTP/1.1 200 OK\r\nX: " + long + "\r\n\r\n", "h1: response header exceeds the size limit"},
		{"eof in header", "HTTP/1.1 200 OK\r\nA: b\r\n", "h1: reading response header: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := parse(t, "GET", tt.raw, 128)
			require.EqualError(t, err, tt.want)
			require.Nil(t, resp)
		})
	}
}

// A body cut short is an error wrapping io.ErrUnexpectedEOF, never a clean
// EOF that would pass a truncated body off as complete.
func TestTruncatedBodyIsUnexpectedEOF(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "h1: response body ended after 3 of 10 bytes: unexpected EOF"},
		{"chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "h1: reading chunked body: unexpected EOF"},
		{"chunk crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", "h1: reading chunked body: unexpected EOF"},
		{"no last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", "h1: reading chunk size: unexpected EOF"},
		{"no end of trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", "h1: reading trailer: unexpected EOF"},
		{"trailer cut", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b", "h1: reading response header: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := parse(t, "GET", tt.raw, 0)
			require.NoError(t, err)
			_, err = io.ReadAll(resp.Body)
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestChunkedRejectsMalformed(t *testing.T) {
	tests := []struct{ name, chunks, want string }{
		{"not hex", "zz\r\n", `h1: malformed chunked encoding: bad chunk size "zz"`},
		{"empty size", "\r\n", `h1: malformed chunked encoding: bad chunk size ""`},
		{"0x prefix", "0x5\r\n", `h1: malformed chunked encoding: bad chunk size "0x5"`},
		{"space before extension", "5 ;ext\r\n", `h1: malformed chunked encoding: bad chunk size "5 ;ext"`},
		{"size overflow", "10000000000000000\r\n", `h1: malformed chunked encoding: chunk size too large "10000000000000000"`},
		{"bare LF", "5\nabcde\r\n", `h1: malformed chunked encoding: bare LF in chunk size line "5\n"`},
		{"data not followed by CRLF", "2\r\nabX\r\n", "h1: malformed chunked encoding: chunk data not followed by CRLF"},
		{"size line too long", "1;" + strings.Repeat("e", 5000) + "\r\n", "h1: malformed chunked encoding: chunk size line too long"},
		{"control byte in extension", "1;a\x00\r\n", `h1: malformed chunked encoding: control byte in chunk extension "1;a\x00"`},
		{"bad trailer", "0\r\nbad trailer\r\n\r\n", `h1: header line without colon "bad trailer"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := parse(t, "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+tt.chunks, 0)
			require.NoError(t, err)
			_, err = io.ReadAll(resp.Body)
			require.EqualError(t, err, tt.want)
		})
	}
}

// The header budget spans the status line and every field line; a limit
// just large enough passes.
func TestHeaderLimitIsExact(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	_, err := parse(t, "GET", raw, int64(len(raw)))
	require.NoError(t, err)
	_, err = parse(t, "GET", raw, int64(len(raw)-1))
	require.EqualError(t, err, "h1: response header exceeds the size limit")
}

// Only the common names are interned, and only in canonical form.
func TestCommonKeysInterned(t *testing.T) {
	for _, k := range []string{"X-Foo", "Content-Typ", "Content-Typf", "Dates", "A", "Server-", "content-type"} {
		require.Empty(t, header.Interned([]byte(k)), k)
	}
	require.Equal(t, "Content-Type", header.Interned([]byte("Content-Type")))
}
