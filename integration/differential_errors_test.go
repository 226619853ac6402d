package integration

import (
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// Failures: what a program sees of them, by errors.As, errors.Is and
// plain type assertions, must be what net/http gives.
func diffErrorScenarios() []diffScenario {
	return []diffScenario{
		{name: "dial refused", protos: []diffProto{dH2, dH1C}, setup: refusedTarget},
		{
			name: "dns failure", protos: []diffProto{dH2, dH1C},
			setup: func(_ *testing.T, p diffProto) diffTarget {
				if p.tls() {
					return diffTarget{url: "https://no-such-host.plex-diff.invalid"}
				}
				return diffTarget{url: "http://no-such-host.plex-diff.invalid"}
			},
		},
		{
			name: "untrusted certificate", protos: tlsProtos,
			setup: func(t *testing.T, p diffProto) diffTarget {
				tg := goTarget(t, p, okHandler)
				tg.tls.RootCAs = x509.NewCertPool()
				return tg
			},
		},
		{
			name: "certificate for another host", protos: tlsProtos,
			setup: func(t *testing.T, p diffProto) diffTarget {
				tg := goTarget(t, p, okHandler)
				tg.tls.ServerName = "another-host.plex-diff.invalid"
				return tg
			},
		},
		{
			name: "tls handshake timeout", protos: tlsProtos,
			cfg: diffConfig{tlsHandshakeTimeout: 100 * time.Millisecond},
			setup: func(t *testing.T, _ diffProto) diffTarget {
				return diffTarget{url: "https://" + silentListener(t).Addr()}
			},
		},
		{
			name: "response header timeout", protos: allProtos,
			cfg:   diffConfig{responseHeaderTimeout: 100 * time.Millisecond},
			setup: blockingTarget,
		},
		{
			// http.Client.Timeout: "Client.Timeout exceeded while awaiting
			// headers", a timeout that is the client's deadline.
			name: "client timeout", protos: allProtos,
			cfg:   diffConfig{timeout: 500 * time.Millisecond},
			setup: blockingTarget,
		},
		{
			// Long enough for the request to be sent first, even under -race.
			name: "request context deadline", protos: allProtos, timeout: 500 * time.Millisecond,
			setup: blockingTarget,
		},
		{
			name: "request body read error", protos: allProtos, method: http.MethodPost,
			body:  func() io.Reader { return &failingBody{} },
			setup: goHandler(sumBody),
		},
		{
			// The server reads the request head and closes the connection.
			name: "early server close", protos: allProtos,
			setup: func(t *testing.T, p diffProto) diffTarget {
				if p == dH2 || p == dH2C {
					return scriptedTarget(t, p, h2Script(closeConn, 0), "h2")
				}
				return scriptedTarget(t, p, h1ReadThen(func(c net.Conn, _ <-chan struct{}) error { return halfCloseAndDrain(c) }), "http/1.1")
			},
		},
	}
}

// blockingTarget is Go's server answering nothing until the test ends.
// Its handler must not return when the client goes away: Go's server
// would then write a response, which a client closing a TLS connection
// (close_notify first, the socket after) may still read, in either client,
// depending on timing.
func blockingTarget(t *testing.T, p diffProto) diffTarget {
	stop := make(chan struct{})
	tg := goTarget(t, p, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { blockUntil(stop) }))
	t.Cleanup(func() { close(stop) }) // before the server's Close, which waits for handlers
	return tg
}

func blockUntil(stop <-chan struct{}) {
	select {
	case <-stop:
	case <-time.After(time.Minute):
	}
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// closeConn ends the connection as soon as a request arrives.
func closeConn(*http2.Framer, uint32, int, <-chan struct{}) error { return errHalfClose }
