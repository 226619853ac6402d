package h1

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// serveConns accepts loopback connections and runs serve on each until
// the benchmark ends.
func serveConns(b *testing.B, serve func(nc net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				serve(nc)
			}()
		}
	}()
	b.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// minimalServer answers every request on its connections with a fixed small
// response, reading nothing but the header lines.
func minimalServer(b *testing.B, resp string) string {
	return serveConns(b, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		for {
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) == 2 {
					break
				}
			}
			if _, err := io.WriteString(nc, resp); err != nil {
				return
			}
		}
	})
}

func BenchmarkRoundTrip(b *testing.B) {
	addr := minimalServer(b, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nContent-Length: 5\r\n\r\nhello")
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	c := NewConn(nc, &Config{}, ConnOptions{}, nil)
	defer c.Close()
	req, err := http.NewRequest("GET", "http://"+addr+"/bench", nil)
	require.NoError(b, err)
	buf := make([]byte, 64)
	b.ReportAllocs()
	for b.Loop() {
		if !c.Reserve() {
			b.Fatal("slot not free")
		}
		resp, err := c.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		for err == nil {
			_, err = resp.Body.Read(buf)
		}
		if err != io.EOF {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkDownload1MiB drains a 1 MiB response with io.Copy into
// io.Discard, the usual way to consume a body one does not keep.
func BenchmarkDownload1MiB(b *testing.B) {
	payload := strings.Repeat("x", 1<<20)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + payload)
	addr := serveConns(b, func(nc net.Conn) {
		br := bufio.NewReader(nc)
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			if _, err := nc.Write(resp); err != nil {
				return
			}
		}
	})
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	c := NewConn(nc, &Config{}, ConnOptions{}, nil)
	defer c.Close()
	req, err := http.NewRequest("GET", "http://"+addr+"/mib", nil)
	require.NoError(b, err)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if !c.Reserve() {
			b.Fatal("slot not free")
		}
		resp, err := c.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// uploadServer reads each request with its body and answers 200 with an
// empty body.
func uploadServer(b *testing.B) string {
	return serveConns(b, func(nc net.Conn) {
		br := bufio.NewReaderSize(nc, 64<<10)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
			if _, err := io.WriteString(nc, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); err != nil {
				return
			}
		}
	})
}

// BenchmarkUpload1MiB sends a 1 MiB body that is not replayable, so it
// streams from the body writer goroutine. The body is a bytes.Reader
// behind io.NopCloser, which keeps its WriteTo.
func BenchmarkUpload1MiB(b *testing.B) {
	benchUpload(b, func(p []byte) io.Reader { return io.NopCloser(bytes.NewReader(p)) })
}

// BenchmarkUpload1MiBReader is BenchmarkUpload1MiB with a body that has
// only Read, so it is copied through a buffer.
func BenchmarkUpload1MiBReader(b *testing.B) {
	benchUpload(b, func(p []byte) io.Reader { return stream{bytes.NewReader(p)} })
}

func benchUpload(b *testing.B, body func([]byte) io.Reader) {
	addr := uploadServer(b)
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	c := NewConn(nc, &Config{}, ConnOptions{}, nil)
	defer c.Close()
	payload := make([]byte, 1<<20)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if !c.Reserve() {
			b.Fatal("slot not free")
		}
		req, err := http.NewRequest("POST", "http://"+addr+"/upload", body(payload))
		if err != nil {
			b.Fatal(err)
		}
		req.ContentLength = int64(len(payload))
		resp, err := c.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkParseResponse parses the head of a small response like the ones
// nginx sends for a static file, without a connection.
func BenchmarkParseResponse(b *testing.B) {
	const head = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 12:29:47 GMT\r\n" +
		"Content-Type: text/plain\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\n"
	rd := strings.NewReader(head)
	br := bufio.NewReader(rd)
	var p headParser
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(head)
		br.Reset(rd)
		budget := int64(defaultMaxHeaderBytes)
		if _, _, _, err := parseResponse(br, &p, &budget, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleProbe is the look at an idle connection's socket that
// precedes every request on a reused connection.
func BenchmarkIdleProbe(b *testing.B) {
	addr := serveConns(b, func(nc net.Conn) { io.Copy(io.Discard, nc) })
	nc, err := net.Dial("tcp", addr)
	require.NoError(b, err)
	defer nc.Close()
	var p idleProbe
	p.init(nc)
	b.ReportAllocs()
	for b.Loop() {
		if st, err := p.probe(); st != idleQuiet || err != nil {
			b.Fatal(st, err)
		}
	}
}
