package h1

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

const noContent = "HTTP/1.1 204 No Content\r\n\r\n"

// wireOf sends req on a fresh connection and returns the exact bytes the
// server received.
func wireOf(t *testing.T, cfg *Config, opts ConnOptions, req *http.Request) string {
	t.Helper()
	pc := newPipeConn(t, cfg, opts)
	got := make(chan string, 1)
	done := serve(t, pc.srv, func(p *peer) error {
		_, raw, err := p.readRequest()
		got <- raw
		if err != nil {
			return err
		}
		return p.write(noContent)
	})
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, <-done)
	return <-got
}

// stream hides a reader's type so the body counts as of unknown origin.
type stream struct{ io.Reader }

func TestRequestWireBytes(t *testing.T) {
	noGzip := &Config{DisableCompression: true}
	tests := []struct {
		name string
		cfg  *Config
		opts ConnOptions
		req  func(t *testing.T) *http.Request
		want string
	}{{
		name: "get with defaults",
		req:  func(t *testing.T) *http.Request { return newReq(t, "GET", "http://example.com/a?b=c", nil) },
		want: "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: plex/1\r\nAccept-Encoding: gzip\r\n\r\n",
	}, {
		name: "headers sorted, empty path is slash, port kept",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://example.com:8080", nil)
			r.Header.Set("Zeta", "1")
			r.Header.Set("Alpha", " two ")
			r.Header.Add("Alpha", "three")
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: plex/1\r\nAlpha: two\r\nAlpha: three\r\nZeta: 1\r\n\r\n",
	}, {
		name: "host header and user agent from request",
		cfg:  &Config{DisableCompression: true, UserAgent: "cfg-agent"},
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://example.com/", nil)
			r.Host = "virtual.test"
			r.Header.Set("User-Agent", "mine")
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: virtual.test\r\nUser-Agent: mine\r\n\r\n",
	}, {
		name: "configured user agent; empty header suppresses it",
		cfg:  &Config{DisableCompression: true, UserAgent: "cfg-agent"},
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://example.com/", nil)
			r.Header["User-Agent"] = []string{""}
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
	}, {
		name: "post with length",
		cfg:  noGzip,
		req:  func(t *testing.T) *http.Request { return newReq(t, "POST", "http://h/p", strings.NewReader("hello")) },
		want: "POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nContent-Length: 5\r\n\r\nhello",
	}, {
		name: "post without body says length zero",
		cfg:  noGzip,
		req:  func(t *testing.T) *http.Request { return newReq(t, "POST", "http://h/p", nil) },
		want: "POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nContent-Length: 0\r\n\r\n",
	}, {
		name: "unknown length is chunked",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			return newReq(t, "PUT", "http://h/p", stream{iotest.OneByteReader(strings.NewReader("abc"))})
		},
		want: "PUT /p HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n",
	}, {
		name: "explicit chunked transfer encoding wins over length",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "POST", "http://h/p", strings.NewReader("abcd"))
			r.TransferEncoding = []string{"chunked"}
			return r
		},
		want: "POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
	}, {
		name: "trailers after the last chunk",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "POST", "http://h/p", stream{strings.NewReader("xy")})
			r.ContentLength = -1
			r.Trailer = http.Header{"Checksum": {"abc"}, "After": {"1"}}
			return r
		},
		want: "POST /p HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nTransfer-Encoding: chunked\r\nTrailer: After,Checksum\r\n\r\n" +
			"2\r\nxy\r\n0\r\nAfter: 1\r\nChecksum: abc\r\n\r\n",
	}, {
		name: "close request says so",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://h/", nil)
			r.Close = true
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nConnection: close\r\n\r\n",
	}, {
		name: "forward proxy uses absolute form and proxy header",
		cfg:  noGzip,
		opts: ConnOptions{ForwardProxy: true, ProxyHeader: http.Header{"Proxy-Authorization": {"Basic eDp5"}}},
		req:  func(t *testing.T) *http.Request { return newReq(t, "GET", "http://origin.test/x?q=1", nil) },
		want: "GET http://origin.test/x?q=1 HTTP/1.1\r\nHost: origin.test\r\nUser-Agent: plex/1\r\nProxy-Authorization: Basic eDp5\r\n\r\n",
	}, {
		name: "no gzip when the request has accept-encoding",
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://h/", nil)
			r.Header.Set("Accept-Encoding", "br")
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nAccept-Encoding: br\r\n\r\n",
	}, {
		name: "no gzip for range requests",
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://h/", nil)
			r.Header.Set("Range", "bytes=0-1")
			return r
		},
		want: "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\nRange: bytes=0-1\r\n\r\n",
	}, {
		name: "no gzip for head",
		req:  func(t *testing.T) *http.Request { return newReq(t, "HEAD", "http://h/", nil) },
		want: "HEAD / HTTP/1.1\r\nHost: h\r\nUser-Agent: plex/1\r\n\r\n",
	}, {
		name: "ipv6 zone removed, raw path kept",
		cfg:  noGzip,
		req: func(t *testing.T) *http.Request {
			r := newReq(t, "GET", "http://[fe80::1%25eth0]:80/a%2Fb", nil)
			return r
		},
		want: "GET /a%2Fb HTTP/1.1\r\nHost: [fe80::1]:80\r\nUser-Agent: plex/1\r\n\r\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, wireOf(t, tt.cfg, tt.opts, tt.req(t)))
		})
	}
}

// closeCounter counts Close calls on a request body.
type closeCounter struct {
	io.Reader
	closes int
}

func (c *closeCounter) Close() error { c.closes++; return nil }

func TestInvalidRequestRefusedBeforeWriting(t *testing.T) {
	tests := []struct {
		name string
		mod  func(r *http.Request)
		want string
	}{
		{"method with space", func(r *http.Request) { r.Method = "GET X" }, `h1: invalid method "GET X"`},
		{"header name not a token", func(r *http.Request) { r.Header["Bad Name"] = []string{"v"} }, `h1: invalid header name "Bad Name"`},
		{"header value with CRLF", func(r *http.Request) { r.Header["X"] = []string{"a\r\nInjected: 1"} }, `h1: invalid header value for "X"`},
		{"header value with NUL", func(r *http.Request) { r.Header["X"] = []string{"a\x00"} }, `h1: invalid header value for "X"`},
		{"trailer value with LF", func(r *http.Request) { r.Trailer = http.Header{"T": {"a\nb"}} }, `h1: invalid trailer value for "T"`},
		{"query with space", func(r *http.Request) { r.URL.RawQuery = "a b" }, "h1: invalid byte 0x20 in request target"},
		{"control byte in opaque", func(r *http.Request) { r.URL = &url.URL{Scheme: "http", Host: "h", Opaque: "/x\x7f"} }, "h1: invalid byte 0x7f in request target"},
		{"host with slash", func(r *http.Request) { r.Host = "a/b" }, `h1: invalid Host "a/b"`},
		{"no host", func(r *http.Request) { r.Host, r.URL.Host = "", "" }, "h1: no Host in request URL"},
		{"Content-Length trailer", func(r *http.Request) { r.Trailer = http.Header{"Content-Length": {"99"}} },
			`h1: request trailer "Content-Length" is not allowed in a trailer section (RFC 9110 section 6.5.1)`},
		{"lower-case host trailer", func(r *http.Request) { r.Trailer = http.Header{"host": {"evil"}} },
			`h1: request trailer "host" is not allowed in a trailer section (RFC 9110 section 6.5.1)`},
		{"Transfer-Encoding trailer", func(r *http.Request) { r.Trailer = http.Header{"Transfer-Encoding": nil, "X-Sum": nil} },
			`h1: request trailer "Transfer-Encoding" is not allowed in a trailer section (RFC 9110 section 6.5.1)`},
		{"Authorization trailer", func(r *http.Request) { r.Trailer = http.Header{"Authorization": {"x"}} },
			`h1: request trailer "Authorization" is not allowed in a trailer section (RFC 9110 section 6.5.1)`},
		{"lower-case host header", func(r *http.Request) { r.Header["host"] = []string{"evil"} },
			`h1: request header key "host" is not in canonical form: this client writes "Host" itself (set it with Header.Set, or through the Request's fields)`},
		{"upper-case transfer-encoding header", func(r *http.Request) { r.Header["TRANSFER-ENCODING"] = []string{"chunked"} },
			`h1: request header key "TRANSFER-ENCODING" is not in canonical form: this client writes "Transfer-Encoding" itself (set it with Header.Set, or through the Request's fields)`},
		{"unsupported transfer encoding", func(r *http.Request) { r.TransferEncoding = []string{"gzip"} }, `h1: unsupported request transfer-encoding "gzip"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc := newPipeConn(t, nil, ConnOptions{})
			body := &closeCounter{Reader: strings.NewReader("b")}
			req := newReq(t, "POST", "http://h/", body)
			tt.mod(req)
			mustReserve(t, pc.Conn)
			_, err := pc.RoundTrip(req)
			require.EqualError(t, err, tt.want)
			require.Equal(t, retry.Invalid, retry.ProgressOf(err))
			require.Equal(t, 1, body.closes, "body closed exactly once")
			require.NoError(t, pc.Err(), "nothing was written; the connection is intact")
			require.Equal(t, 1, pc.Available())
		})
	}
}
