package integration

import (
	"bufio"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/faults"
)

// hostileH1Responses are malformed or ambiguous responses a server can
// send; each must fail the request with an h1 error, never be read as a
// different, well-formed response.
var hostileH1Responses = []struct {
	name, section, raw string
}{
	{"garbage status line", "RFC 9112 §4", "HTTX/1.1 200 OK\r\n\r\n"},
	{"non-numeric status", "RFC 9112 §4", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"},
	{"header line without a colon", "RFC 9112 §5", "HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n"},
	{"space before the colon", "RFC 9112 §5.1", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok"},
	{"conflicting Content-Length", "RFC 9112 §6.3", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"},
	{"negative Content-Length", "RFC 9112 §6.3", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok"},
	{"Content-Length with a sign", "RFC 9110 §8.6", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"},
	{"chunk size overflow", "RFC 9112 §7.1", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nx\r\n0\r\n\r\n"},
	{"chunk without CRLF", "RFC 9112 §7.1", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX0\r\n\r\n"},
	{"unknown transfer coding", "RFC 9112 §6.1", "HTTP/1.1 200 OK\r\nTransfer-Encoding: zstd, chunked, br\r\n\r\n0\r\n\r\n"},
	{"chunked not last", "RFC 9112 §6.3", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"},
	{"NUL in a header value", "RFC 9110 §5.5", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n"},
	{"obsolete line folding", "RFC 9112 §5.2", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"},
	{"body shorter than Content-Length", "RFC 9112 §8", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"},
	{"header section above the limit", "RFC 9110 §5.4", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("a", 1000)+"\r\n", 2000) + "Content-Length: 0\r\n\r\n"},
	{"status line without an end", "RFC 9112 §4", "HTTP/1.1 200 " + strings.Repeat("a", 2<<20)},
	{"endless chunk extension", "RFC 9112 §7.1.1", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("a", 2<<20) + "\r\nx\r\n0\r\n\r\n"},
	{"trailer section above the limit", "RFC 9112 §7.1.2", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n" + strings.Repeat("X-T: "+strings.Repeat("a", 1000)+"\r\n", 2000) + "\r\n"},
	{"endless informational responses", "RFC 9110 §15.2", strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 1000) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
}

var _ = registerSuite("TestHostileH1Responses", TestHostileH1Responses)

// TestHostileH1Responses answers a GET on a new connection with each of
// hostileH1Responses and then closes.
func TestHostileH1Responses(t *testing.T) {
	for _, tc := range hostileH1Responses {
		t.Run(tc.name, func(t *testing.T) {
			checks(t, "HTTP/1.1 peer violations", tc.section, tc.name+" → h1 error, not retried")
			synctest.Test(t, func(t *testing.T) {
				pc := newPipeClient(t, false, nil)
				ch := pc.get("/")
				s := pc.accept()
				_, _, err := faults.ReadRequest(bufio.NewReader(s))
				require.NoError(t, err)
				_, _ = s.Write([]byte(tc.raw))
				s.Close()
				o := pc.done(ch)
				require.Error(t, o.err, "accepted: status %v body %q", statusOf(o), o.body)
				require.Contains(t, o.err.Error(), "h1: ")
				require.Equal(t, 1, pc.pipes.Dials())
			})
		})
	}
}

func statusOf(o outcome) int {
	if o.resp == nil {
		return 0
	}
	return o.resp.StatusCode
}

var _ = registerSuite("TestHostileH1UnsolicitedBytesAfterResponse", TestHostileH1UnsolicitedBytesAfterResponse)

// TestHostileH1UnsolicitedBytesAfterResponse: bytes after a complete
// response (here a whole forged response) must never be taken as the
// answer to the next request on the connection.
func TestHostileH1UnsolicitedBytesAfterResponse(t *testing.T) {
	checks(t, "HTTP/1.1 peer violations", "RFC 9112 §9.3", "bytes after a complete response are not read as the next response")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, false, nil)
		ch := pc.get("/1")
		s := pc.accept()
		br := bufio.NewReader(s)
		_, _, err := faults.ReadRequest(br)
		require.NoError(t, err)
		_, err = s.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged"))
		require.NoError(t, err)
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "ok", string(o.body))

		ch = pc.get("/2")
		synctest.Wait()
		if s2 := pc.pipes.TryAccept(); s2 != nil {
			// The client dropped the tainted connection: answer on the
			// new one.
			s = s2
			br = bufio.NewReader(s)
		}
		_, _, err = faults.ReadRequest(br)
		require.NoError(t, err)
		_, _ = s.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ngenuine"))
		o = pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "genuine", string(o.body))
	})
}
