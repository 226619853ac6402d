package h1

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// traceLog records the order of trace events.
type traceLog struct {
	mu     sync.Mutex
	events []string
}

func (l *traceLog) add(e string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *traceLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.events...)
}

func (l *traceLog) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteHeaders:         func() { l.add("WroteHeaders") },
		Wait100Continue:      func() { l.add("Wait100Continue") },
		Got100Continue:       func() { l.add("Got100Continue") },
		GotFirstResponseByte: func() { l.add("GotFirstResponseByte") },
		WroteRequest:         func(i httptrace.WroteRequestInfo) { l.add("WroteRequest") },
	}
}

func expectRequest(t *testing.T, log *traceLog, body io.Reader) *http.Request {
	req := newReq(t, "PUT", "http://h/up", body)
	req.Header.Set("Expect", "100-continue")
	return req.WithContext(httptrace.WithClientTrace(context.Background(), log.trace()))
}

// readHead reads a request header block (up to the blank line) as text.
func readHead(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		line, err := br.ReadString('\n')
		sb.WriteString(line)
		if err != nil || line == "\r\n" {
			return sb.String(), err
		}
	}
}

func TestExpectContinueSendsBodyAfter100(t *testing.T) {
	pc := newPipeConn(t, &Config{ExpectContinueTimeout: time.Hour}, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		if _, err := readHead(p.br); err != nil {
			return err
		}
		if err := p.write("HTTP/1.1 100 Continue\r\n\r\n"); err != nil {
			return err
		}
		b := make([]byte, 4)
		if _, err := io.ReadFull(p.br, b); err != nil || string(b) != "data" {
			return io.ErrUnexpectedEOF
		}
		return p.write(okHello)
	})
	log := &traceLog{}
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(expectRequest(t, log, strings.NewReader("data")))
	require.NoError(t, err)
	require.Equal(t, "hello", readAll(t, resp))
	require.NoError(t, <-done)
	require.Equal(t, []string{"WroteHeaders", "Wait100Continue", "GotFirstResponseByte", "Got100Continue", "WroteRequest"}, log.get())
	require.NoError(t, pc.Err())
}

func TestExpectContinueSendsBodyAfterTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, &Config{ExpectContinueTimeout: time.Second}, ConnOptions{})
		var waited time.Duration
		done := serve(t, pc.srv, func(p *peer) error {
			if _, err := readHead(p.br); err != nil {
				return err
			}
			start := time.Now()
			b := make([]byte, 4)
			if _, err := io.ReadFull(p.br, b); err != nil {
				return err
			}
			waited = time.Since(start)
			return p.write(okHello)
		})
		log := &traceLog{}
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(expectRequest(t, log, strings.NewReader("data")))
		require.NoError(t, err)
		require.Equal(t, "hello", readAll(t, resp))
		require.NoError(t, <-done)
		require.Equal(t, time.Second, waited, "the body went out when the timeout expired")
		require.Equal(t, []string{"WroteHeaders", "Wait100Continue", "WroteRequest", "GotFirstResponseByte"}, log.get())
		require.NoError(t, pc.Err())
	})
}

func TestExpectContinueFinalStatusSkipsBody(t *testing.T) {
	pc := newPipeConn(t, &Config{ExpectContinueTimeout: time.Hour}, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		if _, err := readHead(p.br); err != nil {
			return err
		}
		if err := p.write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 2\r\n\r\nno"); err != nil {
			return err
		}
		// Anything the client sends now is a body it should not have sent.
		b, err := io.ReadAll(p.br)
		if len(b) > 0 {
			return io.ErrShortWrite
		}
		return err
	})
	log := &traceLog{}
	body := &closeCounter{Reader: strings.NewReader("data")}
	mustReserve(t, pc.Conn)
	req := expectRequest(t, log, body)
	req.ContentLength = 4
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, 417, resp.StatusCode)
	require.Equal(t, 1, body.closes)
	require.Equal(t, "no", readAll(t, resp))
	require.NoError(t, <-done, "no body byte reached the server, and it saw the connection close")
	require.Error(t, pc.Err(), "the server may still expect the declared body: not reused")
	require.Equal(t, []string{"WroteHeaders", "Wait100Continue", "GotFirstResponseByte"}, log.get())
}
