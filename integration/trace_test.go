package integration

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder keeps the names of the httptrace hooks in the order they fired.
type recorder struct {
	mu     sync.Mutex
	events []string
	reused []bool
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:           func(string) { r.add("GetConn") },
		DNSStart:          func(httptrace.DNSStartInfo) { r.add("DNSStart") },
		ConnectStart:      func(string, string) { r.add("ConnectStart") },
		ConnectDone:       func(string, string, error) { r.add("ConnectDone") },
		TLSHandshakeStart: func() { r.add("TLSHandshakeStart") },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { r.add("TLSHandshakeDone") },
		GotConn: func(i httptrace.GotConnInfo) {
			r.add("GotConn")
			r.mu.Lock()
			r.reused = append(r.reused, i.Reused)
			r.mu.Unlock()
		},
		WroteHeaders:         func() { r.add("WroteHeaders") },
		WroteRequest:         func(httptrace.WroteRequestInfo) { r.add("WroteRequest") },
		GotFirstResponseByte: func() { r.add("GotFirstResponseByte") },
	}
}

func TestTraceHooksFireInOrder(t *testing.T) {
	s := startGo(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }), "http/1.1")
	c := newClient(t, s)
	var rec recorder
	for range 2 {
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), rec.trace()), http.MethodGet, s.URL+"/", nil)
		require.NoError(t, err)
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		_, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	first := "GetConn ConnectStart ConnectDone TLSHandshakeStart TLSHandshakeDone GotConn WroteHeaders WroteRequest GotFirstResponseByte"
	again := "GetConn GotConn WroteHeaders WroteRequest GotFirstResponseByte"
	require.Equal(t, first+" "+again, strings.Join(rec.events, " "))
	require.Equal(t, []bool{false, true}, rec.reused)
}
