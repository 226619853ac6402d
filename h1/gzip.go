package h1

import (
	"compress/gzip"
	"fmt"
	"io"
	"sync"
)

// gzipBody decompresses a response body the connection asked to be gzipped.
// The gzip.Reader is created on the first Read, so a body that is closed
// unread costs nothing. Read and Close follow the body contract: one reader
// goroutine, Close from anywhere; mu guards zr and err against that.
type gzipBody struct {
	b *body

	mu  sync.Mutex
	zr  *gzip.Reader
	err error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	g.mu.Lock()
	if g.err != nil {
		err := g.err
		g.mu.Unlock()
		return 0, err
	}
	zr := g.zr
	g.mu.Unlock()
	if zr == nil {
		var err error
		zr, err = gzip.NewReader(g.b)
		if err != nil {
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

func (g *gzipBody) fail(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != errBodyClosed {
		err = fmt.Errorf("h1: decompressing gzip response body: %w", err)
	}
	g.mu.Lock()
	g.err = err
	g.mu.Unlock()
	// A corrupt stream leaves the rest of the body unread; closing it
	// decides whether the connection survives.
	g.b.Close()
	return err
}

func (g *gzipBody) Close() error {
	return g.b.Close()
}
