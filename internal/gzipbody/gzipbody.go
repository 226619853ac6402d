// Package gzipbody decodes a gzip response body that the client asked for
// itself (it added "Accept-Encoding: gzip"), the same way for HTTP/1.1 and
// HTTP/2.
package gzipbody

import (
	"compress/gzip"
	"fmt"
	"io"
	"sync"
)

// Body decompresses a response body. The gzip.Reader is made on the first
// Read, so a body closed unread costs nothing.
//
// Read and Close follow the http.Response.Body contract: one goroutine
// reads, Close may come from any goroutine at any time, also while a Read
// waits for bytes. mu guards zr and err; it is never held while reading, so
// Close does not wait for a Read to return: closing the underlying body is
// what ends that Read.
type Body struct {
	body   io.ReadCloser
	proto  string // "h1" or "h2", for error messages
	closed error  // what Read returns after Close

	mu  sync.Mutex
	zr  *gzip.Reader
	err error // sticky: the first failure, or closed
}

// New wraps body. proto prefixes error messages; closed is the error Read
// returns once Close was called (the protocol's own "read on closed body").
func New(body io.ReadCloser, proto string, closed error) *Body {
	return &Body{body: body, proto: proto, closed: closed}
}

// Read returns decompressed bytes. A stream that ends early or is corrupt is
// an error (never a clean io.EOF), and the compressed body is then closed.
func (g *Body) Read(p []byte) (int, error) {
	g.mu.Lock()
	if err := g.err; err != nil {
		g.mu.Unlock()
		return 0, err
	}
	zr := g.zr
	g.mu.Unlock()
	if zr == nil {
		var err error
		if zr, err = gzip.NewReader(g.body); err != nil {
			return 0, g.fail(err)
		}
		g.mu.Lock()
		g.zr = zr
		g.mu.Unlock()
	}
	n, err := zr.Read(p)
	if err != nil && err != io.EOF {
		return n, g.fail(err)
	}
	return n, err
}

// fail records err (unless Close came first) and closes the compressed
// body: the rest of it cannot be decoded, and closing it decides what
// becomes of the connection.
func (g *Body) fail(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	g.mu.Lock()
	if g.err == nil {
		if err != g.closed {
			err = fmt.Errorf("%s: decompressing gzip response body: %w", g.proto, err)
		}
		g.err = err
	} else {
		err = g.err
	}
	g.mu.Unlock()
	g.body.Close()
	return err
}

// Close closes the compressed body; later Reads return the closed error.
func (g *Body) Close() error {
	g.mu.Lock()
	if g.err == nil {
		g.err = g.closed
	}
	g.mu.Unlock()
	return g.body.Close()
}
