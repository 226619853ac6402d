package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
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
		return 1
	}
	defer s.close()
	fmt.Fprintf(stdout, "plexbench: no URL given, so comparing plex with net/http on loopback servers\n")
	fmt.Fprintf(stdout, "(%s and %s), %s, %d in flight.\n\n", s.tlsURL, s.clearURL, amount(o), o.concurrency)

	type row struct {
		proto  string
		url    string
		client func() (http.RoundTripper, func(), error)
	}
	rows := []row{
		{"HTTP/1.1 TLS", s.tlsURL, func() (http.RoundTripper, func(), error) {
			return newPlex(o, s.roots, plex.HTTP1)
		}},
		{"HTTP/1.1 TLS", s.tlsURL, func() (http.RoundTripper, func(), error) {
			return newNetHTTP(o, s.roots, false, false), func() {}, nil
		}},
		{"HTTP/1.1", s.clearURL, func() (http.RoundTripper, func(), error) {
			return newPlex(o, s.roots, plex.HTTP1)
		}},
		{"HTTP/1.1", s.clearURL, func() (http.RoundTripper, func(), error) {
			return newNetHTTP(o, s.roots, false, false), func() {}, nil
		}},
	}
	var results []result
	for i, r := range rows {
		rt, done, err := r.client()
		if err != nil {
			fmt.Fprintf(stderr, "plexbench: %v\n", err)
			return 1
		}
		name := "plex"
		if i%2 == 1 {
			name = "net/http"
		}
		j := &job{name: name, client: rt, url: r.url, method: o.method, requests: o.requests,
			duration: o.duration, concurrency: o.concurrency, timeout: o.timeout}
		res := j.run(ctx)
		res.name = name + " " + r.proto
		results = append(results, res)
		done()
		if ctx.Err() != nil {
			break
		}
	}
	printTable(stdout, results)
	return exitCode(results)
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
		plex.WithMaxIdleConnsPerHost(o.concurrency),
	)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { c.Close() }, nil
}

func newNetHTTP(o *options, roots *tls.Config, h2, h2c bool) http.RoundTripper {
	tr := &http.Transport{
		TLSClientConfig:     roots.Clone(),
		MaxIdleConnsPerHost: o.concurrency,
		ForceAttemptHTTP2:   h2,
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(h2)
	p.SetUnencryptedHTTP2(h2c)
	tr.Protocols = &p
	return tr
}

func exitCode(rs []result) int {
	for _, r := range rs {
		if r.done == 0 && r.failed > 0 {
			return 1
		}
	}
	return 0
}
