// Command server is the Go server of the benchmark suite: the same
// resources as the suite's nginx configuration (and /bytes?n=N, N bytes of
// any length), on a TLS port (ALPN h2 and http/1.1) and a cleartext port
// (HTTP/1.1 and prior-knowledge h2c), so that every client can be measured
// against Go's own server as a second case.
//
//	server -certdir DIR -tls 127.0.0.1:9443 -clear 127.0.0.1:9080
//
// It writes a fresh CA and leaf certificate into DIR (cert.pem, key.pem,
// ca.pem) before listening, for nginx and the clients to share.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/plexhttp/plex/internal/testcert"
)

var (
	smallBody = []byte("hello, world")
	mibBody   = make([]byte, 1<<20)
)

func handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/mib":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(mibBody)))
		w.Write(mibBody)
	case "/bytes":
		serveBytes(w, r)
	case "/upload":
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, n)
	case "/slow":
		// Holds the request so that concurrent callers need a connection
		// each: the idle-memory measurement opens connections this way.
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
		}
		w.Write(smallBody)
	default:
		w.Header().Set("Content-Type", "text/plain")
		w.Write(smallBody)
	}
}

// maxBytes bounds /bytes, so that a typo cannot ask for an endless body.
const maxBytes = 4 << 30

// serveBytes answers /bytes?n=N with N zero bytes written from the
// preallocated 1 MiB buffer, so a long download costs the server no
// allocation and no disk read.
func serveBytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	if err != nil || n < 0 || n > maxBytes {
		http.Error(w, fmt.Sprintf("want /bytes?n=N with 0 <= N <= %d", int64(maxBytes)), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	for n > 0 {
		k := min(n, int64(len(mibBody)))
		if _, err := w.Write(mibBody[:k]); err != nil {
			return
		}
		n -= k
	}
}

func main() {
	certDir := flag.String("certdir", "", "directory to write cert.pem, key.pem and ca.pem into (required)")
	tlsAddr := flag.String("tls", "127.0.0.1:9443", "TLS listen address (h2 and http/1.1 by ALPN)")
	clearAddr := flag.String("clear", "127.0.0.1:9080", "cleartext listen address (HTTP/1.1 and h2c)")
	flag.Parse()
	if *certDir == "" {
		fmt.Fprintln(os.Stderr, "server: -certdir is required")
		os.Exit(2)
	}
	if err := serve(*certDir, *tlsAddr, *clearAddr); err != nil {
		fmt.Fprintf(os.Stderr, "server: %v\n", err)
		os.Exit(1)
	}
}

func serve(certDir, tlsAddr, clearAddr string) error {
	certs, err := testcert.New()
	if err != nil {
		return err
	}
	if _, _, _, err := certs.WriteFiles(certDir); err != nil {
		return err
	}
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetHTTP2(true)
	protos.SetUnencryptedHTTP2(true)
	h2 := &http.HTTP2Config{MaxConcurrentStreams: 1000}
	newServer := func() *http.Server {
		return &http.Server{Handler: http.HandlerFunc(handler), Protocols: &protos, HTTP2: h2,
			ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 5 * time.Minute}
	}
	tlsLn, err := net.Listen("tcp", tlsAddr)
	if err != nil {
		return err
	}
	clearLn, err := net.Listen("tcp", clearAddr)
	if err != nil {
		tlsLn.Close()
		return err
	}
	ts, cs := newServer(), newServer()
	ts.TLSConfig = certs.ServerTLS("h2", "http/1.1")
	errc := make(chan error, 2)
	go func() { errc <- ts.Serve(tls.NewListener(tlsLn, ts.TLSConfig)) }()
	go func() { errc <- cs.Serve(clearLn) }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ts.Shutdown(sctx)
	cs.Shutdown(sctx)
	return err
}
