package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/internal/testcert"
)

// demoBody is what the embedded servers answer: a small response, so that
// the run measures the per-request cost of the client.
var demoBody = []byte("hello from plexbench\n")

// servers are the embedded loopback servers of the no-argument mode.
type servers struct {
	tlsURL, clearURL string
	roots            *tls.Config
	close            func()
}

func startServers() (*servers, error) {
	certs, err := testcert.Default()
	if err != nil {
		return nil, err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(demoBody)
	})
	tlsLn, err := tls.Listen("tcp", "127.0.0.1:0", certs.ServerTLS("h2", "http/1.1"))
	if err != nil {
		return nil, err
	}
	clearLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tlsLn.Close()
		return nil, err
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
	clear := &http.Server{Handler: h, Protocols: &protos, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(tlsLn)
	go clear.Serve(clearLn)
	return &servers{
		tlsURL:   "https://" + tlsLn.Addr().String() + "/",
		clearURL: "http://" + clearLn.Addr().String() + "/",
		roots:    certs.ClientTLS(),
		close: func() {
			srv.Close()
			clear.Close()
		},
	}, nil
}

// demo compares plex with net/http on each protocol against the embedded
// servers and prints one table.
func demo(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	s, err := startServers()
	if err != nil {
		fmt.Fprintf(stderr, "plexbench: starting loopback servers: %v\n", err)
		return exitFailed
	}
	defer s.close()
	fmt.Fprintf(stdout, "plexbench: no URL given, so comparing plex with net/http on loopback servers\n")
	fmt.Fprintf(stdout, "(%s and %s), %s, %d in flight.\n\n", s.tlsURL, s.clearURL, amount(o), o.inFlight())

	type row struct {
		client string
		setup  string
		url    string
		rt     func() (http.RoundTripper, func(), error)
	}
	plexRow := func(setup, url string, p ...plex.Protocol) row {
		return row{"plex", setup, url, func() (http.RoundTripper, func(), error) { return newPlex(o, s.roots, p...) }}
	}
	netRow := func(setup, url string, h2, h2c bool) row {
		return row{"net/http", setup, url, func() (http.RoundTripper, func(), error) {
			tr := newNetHTTP(o, s.roots, h2, h2c)
			return tr, tr.CloseIdleConnections, nil
		}}
	}
	rows := []row{
		plexRow("TLS, ALPN h2", s.tlsURL, plex.HTTP1, plex.HTTP2),
		netRow("TLS, ALPN h2", s.tlsURL, true, false),
		plexRow("TLS, HTTP/1.1 only", s.tlsURL, plex.HTTP1),
		netRow("TLS, HTTP/1.1 only", s.tlsURL, false, false),
		plexRow("cleartext h2c", s.clearURL, plex.UnencryptedHTTP2),
		netRow("cleartext h2c", s.clearURL, false, true),
		plexRow("cleartext HTTP/1.1", s.clearURL, plex.HTTP1),
		netRow("cleartext HTTP/1.1", s.clearURL, false, false),
	}
	var jobs []*job
	var dones []func()
	for _, r := range rows {
		u, err := url.Parse(r.url)
		if err != nil {
			fmt.Fprintf(stderr, "plexbench: %v\n", err)
			return exitFailed
		}
		rt, done, err := r.rt()
		if err != nil {
			for _, d := range dones {
				d()
			}
			fmt.Fprintf(stderr, "plexbench: %v\n", err)
			return exitFailed
		}
		jobs = append(jobs, &job{name: r.client, setup: r.setup, clients: []http.RoundTripper{rt}, perClient: o.inFlight(), url: u, o: o})
		dones = append(dones, done)
	}
	return runAll(ctx, o, stdout, stderr, jobs, dones, true)
}

func amount(o *options) string {
	if o.requests > 0 {
		return fmt.Sprintf("%d requests per client", o.requests)
	}
	return fmt.Sprintf("%v per client", o.duration)
}

func newPlex(o *options, roots *tls.Config, protos ...plex.Protocol) (http.RoundTripper, func(), error) {
	c, err := plex.New(
		plex.WithTLSConfig(roots),
		plex.WithProtocols(protos...),
		plex.WithMaxIdleConnsPerHost(o.inFlight()),
	)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close() }, nil
}

func newNetHTTP(o *options, roots *tls.Config, h2, h2c bool) *http.Transport {
	tr := &http.Transport{
		TLSClientConfig:     roots.Clone(),
		MaxIdleConnsPerHost: o.inFlight(),
		ForceAttemptHTTP2:   h2,
	}
	var p http.Protocols
	p.SetHTTP1(!h2c)
	p.SetHTTP2(h2)
	p.SetUnencryptedHTTP2(h2c)
	tr.Protocols = &p
	return tr
}
