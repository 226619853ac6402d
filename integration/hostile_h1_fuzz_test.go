package integration

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/faults"
)

// FuzzH1ClientResponse serves arbitrary bytes, then a close, as the answer
// to a GET through the whole Client, and compares with net/http's parser
// on the same bytes: whatever plex accepts, status and body, net/http must
// accept the same way (plex may be stricter, never looser), and the
// exchange must end, however hostile the bytes.
func FuzzH1ClientResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nuntil close"))
	f.Add([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc"))
	for _, tc := range hostileH1Responses {
		if len(tc.raw) < 4096 {
			f.Add([]byte(tc.raw))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		synctest.Test(t, func(t *testing.T) { checkH1ClientResponse(t, raw) })
	})
}

func checkH1ClientResponse(t *testing.T, raw []byte) {
	pc := newPipeClient(t, false, nil)
	ch := pc.get("/")
	s := pc.accept()
	if _, _, err := faults.ReadRequest(bufio.NewReader(s)); err != nil {
		t.Fatalf("reading the request: %v", err)
	}
	_, _ = s.Write(raw)
	s.Close()
	o := pc.done(ch)
	if o.err != nil {
		return
	}
	req, _ := http.NewRequest(http.MethodGet, hostileOrigin+"/", nil)
	br := bufio.NewReader(bytes.NewReader(raw))
	theirs, err := http.ReadResponse(br, req)
	// net/http's parser returns each informational response; the Client
	// skips them.
	for err == nil && theirs.StatusCode >= 100 && theirs.StatusCode < 200 && theirs.StatusCode != http.StatusSwitchingProtocols {
		theirs, err = http.ReadResponse(br, req)
	}
	if err != nil {
		t.Fatalf("plex accepted status %d body %q; net/http rejects: %v", o.resp.StatusCode, o.body, err)
	}
	body, err := io.ReadAll(theirs.Body)
	if err != nil {
		t.Fatalf("plex read body %q; net/http fails reading it: %v", o.body, err)
	}
	if theirs.StatusCode != o.resp.StatusCode {
		t.Fatalf("status: plex %d, net/http %d", o.resp.StatusCode, theirs.StatusCode)
	}
	if o.resp.Uncompressed {
		return // plex decoded gzip; net/http's parser does not
	}
	if o.resp.StatusCode == http.StatusSwitchingProtocols {
		// After a 101 the connection itself is the body, as with
		// net/http's Transport; its parser alone reports no body.
		return
	}
	if !bytes.Equal(body, o.body) {
		t.Fatalf("body: plex %q, net/http %q", o.body, body)
	}
}
