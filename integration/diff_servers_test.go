package integration

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/testcert"
)

// diffTarget is the server of one scenario run: both clients talk to it.
type diffTarget struct {
	url string
	tls *tls.Config // what both clients trust; nil for cleartext
}

// goTarget starts Go's server speaking p: TLS offering h2 and http/1.1
// (the client decides), or cleartext HTTP/1.1 with h2c prior knowledge.
func goTarget(t *testing.T, p diffProto, h http.Handler) diffTarget {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	if p.tls() {
		s.EnableHTTP2 = true
		s.StartTLS()
		t.Cleanup(s.Close)
		pool := x509.NewCertPool()
		pool.AddCert(s.Certificate())
		return diffTarget{url: s.URL, tls: &tls.Config{RootCAs: pool}}
	}
	s.Config.Protocols = new(http.Protocols)
	s.Config.Protocols.SetHTTP1(true)
	s.Config.Protocols.SetUnencryptedHTTP2(true)
	s.Start()
	t.Cleanup(s.Close)
	return diffTarget{url: s.URL}
}

// goHandler returns a scenario setup serving h with Go's server.
func goHandler(h http.HandlerFunc) func(*testing.T, diffProto) diffTarget {
	return func(t *testing.T, p diffProto) diffTarget { return goTarget(t, p, h) }
}

// scriptedTarget serves every connection with fn on 127.0.0.1 (over TLS
// with the test certificate when p is a TLS protocol, offering alpn), and
// stops the handlers, which may block, when the test ends.
func scriptedTarget(t *testing.T, p diffProto, fn func(c net.Conn, n int, stop <-chan struct{}) error, alpn ...string) diffTarget {
	t.Helper()
	stop := make(chan struct{})
	var cfg *tls.Config
	var certs *testcert.Certs
	if p.tls() {
		var err error
		certs, err = testcert.Default()
		require.NoError(t, err)
		cfg = certs.ServerTLS(alpn...)
	}
	s, err := faults.ListenTLS(cfg, func(c net.Conn, n int) error { return fn(c, n, stop) })
	require.NoError(t, err)
	t.Cleanup(func() {
		close(stop)
		// Handlers fail when the clients go away first; that is no fault
		// of the scenario.
		_ = s.Close()
	})
	tg := diffTarget{url: s.URL()}
	if certs != nil {
		tg.tls = certs.ClientTLS()
	}
	return tg
}

// refusedTarget is an address nothing listens on.
func refusedTarget(t *testing.T, p diffProto) diffTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	if p.tls() {
		return diffTarget{url: "https://" + addr, tls: &tls.Config{}}
	}
	return diffTarget{url: "http://" + addr}
}

// h1ReadThen reads one request head and then does what after says: the
// body is left unread.
func h1ReadThen(after func(c net.Conn, stop <-chan struct{}) error) func(net.Conn, int, <-chan struct{}) error {
	return func(c net.Conn, _ int, stop <-chan struct{}) error {
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return err
		}
		return after(c, stop)
	}
}

// h2Stream answers one request stream of a scripted HTTP/2 server; n
// counts requests across connections from 0. It runs on the connection's
// only goroutine: while it blocks, nothing is read.
type h2Stream func(fr *http2.Framer, id uint32, n int, stop <-chan struct{}) error

// h2Script serves HTTP/2 (over TLS by ALPN, or h2c) with one h2Stream per
// request; settings go in the server's first SETTINGS frame, and connWindow
// is added to the connection's receive window of the client's sends.
func h2Script(answer h2Stream, connWindow uint32, settings ...http2.Setting) func(net.Conn, int, <-chan struct{}) error {
	var requests atomic.Int64
	return func(c net.Conn, _ int, stop <-chan struct{}) error {
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(c, preface); err != nil {
			return err
		}
		if string(preface) != http2.ClientPreface {
			return fmt.Errorf("not an HTTP/2 preface: %q", preface)
		}
		fr := http2.NewFramer(c, c)
		fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
		if err := fr.WriteSettings(settings...); err != nil {
			return err
		}
		if connWindow > 0 {
			if err := fr.WriteWindowUpdate(0, connWindow); err != nil {
				return err
			}
		}
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return nil // the client went away
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					if err := fr.WriteSettingsAck(); err != nil {
						return err
					}
				}
			case *http2.PingFrame:
				if !f.IsAck() {
					if err := fr.WritePing(true, f.Data); err != nil {
						return err
					}
				}
			case *http2.MetaHeadersFrame:
				err := answer(fr, f.StreamID, int(requests.Add(1)-1), stop)
				if errors.Is(err, errHalfClose) {
					return halfCloseAndDrain(c)
				}
				if errors.Is(err, errStopped) {
					return nil
				}
				if err != nil {
					return err
				}
			case *http2.GoAwayFrame:
				return nil
			}
		}
	}
}

// writeH2Response writes a whole response on stream id.
func writeH2Response(fr *http2.Framer, id uint32, status int, body string) error {
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	enc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	enc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(len(body))})
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block.Bytes(), EndHeaders: true}); err != nil {
		return err
	}
	return fr.WriteData(id, true, []byte(body))
}

// resetWith answers every request with RST_STREAM(code).
func resetWith(code http2.ErrCode) h2Stream {
	return func(fr *http2.Framer, id uint32, _ int, _ <-chan struct{}) error {
		return fr.WriteRSTStream(id, code)
	}
}

// infiniteBody is a request body that never ends, for uploads that stall.
type infiniteBody struct{}

func (infiniteBody) Read(p []byte) (int, error) { clear(p); return len(p), nil }
func (infiniteBody) Close() error               { return nil }

// failingBody gives some bytes, then errDiffBodyRead.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if b.sent {
		return 0, errDiffBodyRead
	}
	b.sent = true
	return copy(p, "partial"), nil
}
func (b *failingBody) Close() error { return nil }

var (
	// errStopped ends a handler when the test ends.
	errStopped = errors.New("diff: test ended")
	// errHalfClose makes h2Script close the connection with a FIN.
	errHalfClose = errors.New("diff: close the connection")
)

// halfCloseAndDrain ends the server's side with a FIN and reads until the
// client closes too: a close with unread bytes would be a TCP reset, and
// whether the client saw EOF or a reset would depend on timing.
func halfCloseAndDrain(c net.Conn) error {
	if err := faults.HalfClose(c); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.Copy(io.Discard, c)
	return nil
}
