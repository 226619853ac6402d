package h2

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// The fuzzed server sends a frame stream after a normal opening: its
// SETTINGS, an ACK of the client's, and nothing else. Stream 1 is the
// request the client sent.

// recordPeer returns a scripted peer whose writes are captured, and a
// function returning the bytes written so far.
func recordPeer(t testing.TB) (*h2peer.Peer, func() []byte) {
	c, s := memconn.Pipe()
	p := h2peer.New(t, s)
	return p, func() []byte {
		b := make([]byte, c.Buffered())
		_, _ = io.ReadFull(c, b)
		c.Close()
		s.Close()
		return b
	}
}

// frameSeeds are server frame streams: good responses, and every violation
// of faults.H2Violations as the client under test would receive it.
func frameSeeds(t testing.TB) [][]byte {
	lim := faults.Limits{StreamWindow: DefaultInitialStreamWindowSize, ConnWindow: DefaultInitialConnWindowSize,
		MaxFrameSize: DefaultMaxReadFrameSize, MaxHeaderListSize: 16 << 10}
	var seeds [][]byte
	good := []func(p *h2peer.Peer){
		func(p *h2peer.Peer) { p.WriteHeaders(1, true, ":status", "204") },
		func(p *h2peer.Peer) {
			p.WriteHeaders(1, false, ":status", "200", "content-length", "5")
			p.WriteData(1, true, []byte("hello"))
		},
		func(p *h2peer.Peer) {
			p.WriteHeaders(1, false, ":status", "103", "link", "</a>")
			p.WriteHeaders(1, false, ":status", "200", "trailer", "x-t")
			p.WriteData(1, false, []byte("body"))
			p.WriteHeaders(1, true, "x-t", "v")
		},
		func(p *h2peer.Peer) {
			p.WritePing(false, [8]byte{1})
			p.WriteWindowUpdate(0, 100)
			p.WriteGoAway(1, http2.ErrCodeNo, "bye")
			p.WriteHeaders(1, true, ":status", "200")
		},
		func(p *h2peer.Peer) { p.WriteRSTStream(1, http2.ErrCodeRefusedStream) },
	}
	for _, g := range good {
		p, got := recordPeer(t)
		g(p)
		seeds = append(seeds, got())
	}
	for _, v := range faults.H2Violations() {
		if strings.HasPrefix(v.Name, "endless") || strings.Contains(v.Name, "beyond") || strings.Contains(v.Name, "above the header list") {
			continue // megabytes: the fuzzer gains nothing from them
		}
		p, got := recordPeer(t)
		v.Send(p, 1, lim)
		seeds = append(seeds, got())
	}
	return seeds
}

// FuzzServerFrames feeds the client an arbitrary server frame stream while
// a GET, or a POST whose upload needs more window, is open. Whatever arrives, RoundTrip and the body read must end
// (the synctest bubble fails on a hang), errors must carry the package
// prefix, an accepted response must have valid header fields and a body
// that matches its Content-Length, and Close must leave no goroutine.
func FuzzServerFrames(f *testing.F) {
	for _, s := range frameSeeds(f) {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, frames []byte, upload bool) {
		synctest.Test(t, func(t *testing.T) { serveFuzzedFrames(t, frames, upload) })
	})
}

// fuzzUpload is larger than the initial stream window, so that an upload
// depends on the fuzzed WINDOW_UPDATE and SETTINGS frames.
var fuzzUpload = bytes.Repeat([]byte("u"), 100<<10)

func serveFuzzedFrames(t *testing.T, frames []byte, upload bool) {
	c, s := memconn.Pipe()
	defer s.Close()
	cc, err := NewClientConn(c, &Config{MaxHeaderListSize: 16 << 10}, nil, nil)
	if err != nil {
		t.Fatalf("NewClientConn: %v", err)
	}
	defer cc.Close()
	var opening bytes.Buffer
	fr := http2.NewFramer(&opening, nil)
	_ = fr.WriteSettings()
	_ = fr.WriteSettingsAck()
	opening.Write(frames)
	if _, err := s.Write(opening.Bytes()); err != nil {
		t.Fatalf("writing frames: %v", err)
	}
	// Drain what the client writes so the fuzzer never blocks it.
	go func() { _, _ = io.Copy(io.Discard, s) }()
	req, _ := http.NewRequest(http.MethodGet, "https://example.com/", nil)
	if upload {
		req, _ = http.NewRequest(http.MethodPost, "https://example.com/", bytes.NewReader(fuzzUpload))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkFuzzedExchange(t, cc, req)
	}()
	synctest.Wait()
	select {
	case <-done:
		return
	default:
	}
	// The stream ended without settling the request: the peer hanging up
	// must end it.
	s.Close()
	<-done
}

func checkFuzzedExchange(t *testing.T, cc *ClientConn, req *http.Request) {
	resp, err := cc.RoundTrip(req)
	if err != nil {
		checkFuzzedErr(t, err)
		return
	}
	defer resp.Body.Close()
	for k, vv := range resp.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			t.Errorf("accepted header name %q", k)
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				t.Errorf("accepted header %q value %q", k, v)
			}
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 999 {
		t.Errorf("accepted status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		checkFuzzedErr(t, err)
		return
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		t.Errorf("body of %d bytes accepted with content-length %d", len(body), resp.ContentLength)
	}
}

func checkFuzzedErr(t *testing.T, err error) {
	var se StreamError
	var ce ConnectionError
	var ga GoAwayError
	if errors.As(err, &se) || errors.As(err, &ce) || errors.As(err, &ga) || errors.Is(err, io.ErrUnexpectedEOF) {
		return
	}
	if !strings.HasPrefix(err.Error(), "h2: ") {
		t.Errorf("error without the package prefix: %v", err)
	}
}
