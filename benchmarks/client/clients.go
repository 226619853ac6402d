package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/valyala/fasthttp"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
)

// worker sends one request at a time and returns the response body size.
// Each goroutine of a run owns one, so its buffers need no lock.
type worker interface {
	do() (int64, error)
}

// clientSet is the client instances of a run and how to release them.
type clientSet struct {
	newWorker func(i int) worker
	close     func()
}

func tlsConfig(p *params) (*tls.Config, error) {
	if p.url.Scheme != "https" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.caFile != "" {
		pem, err := os.ReadFile(p.caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: no PEM certificate", p.caFile)
		}
	}
	return cfg, nil
}

// newClients builds the instances of p's client: one for HTTP/1.1 (it opens
// a connection per request in flight), one per connection for HTTP/2 so
// that the streams spread evenly over exactly p.conns connections, or one
// for HTTP/2 with p.conns 0, whose pool opens another connection whenever
// the server's stream limit is reached.
func newClients(p *params) (*clientSet, error) {
	tc, err := tlsConfig(p)
	if err != nil {
		return nil, err
	}
	if p.client == "fasthttp" {
		return newFasthttp(p, tc)
	}
	n := 1
	if p.proto != "h1" && p.conns > 0 {
		n = p.conns
	}
	var rts []http.RoundTripper
	var closers []func()
	for range n {
		rt, closeRT, err := newRoundTripper(p, tc)
		if err != nil {
			for _, c := range closers {
				c()
			}
			return nil, err
		}
		rts = append(rts, rt)
		closers = append(closers, closeRT)
	}
	body := make([]byte, p.bodySize)
	return &clientSet{
		newWorker: func(i int) worker { return newRTWorker(rts[i%len(rts)], p, body) },
		close: func() {
			for _, c := range closers {
				c()
			}
		},
	}, nil
}

func newRoundTripper(p *params, tc *tls.Config) (http.RoundTripper, func(), error) {
	switch p.client {
	case "plex":
		proto := map[string]plex.Protocol{"h1": plex.HTTP1, "h2": plex.HTTP2, "h2c": plex.UnencryptedHTTP2}[p.proto]
		c, err := plex.New(plex.WithTLSConfig(tc), plex.WithProtocols(proto),
			plex.WithMaxIdleConnsPerHost(max(p.inFlight, p.idle)))
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	case "net-http":
		if p.proto != "h1" {
			return nil, nil, errors.New("net-http is measured on HTTP/1.1 only; x-net is its HTTP/2")
		}
		var protos http.Protocols
		protos.SetHTTP1(true)
		tr := &http.Transport{TLSClientConfig: tc, Protocols: &protos,
			MaxIdleConnsPerHost: max(p.inFlight, p.idle), DisableCompression: true}
		return tr, tr.CloseIdleConnections, nil
	case "x-net":
		tr := &http2.Transport{TLSClientConfig: tc, DisableCompression: true}
		switch p.proto {
		case "h1":
			return nil, nil, errors.New("x-net speaks HTTP/2 only")
		case "h2c":
			tr.AllowHTTP = true
			tr.DialTLSContext = func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}
		}
		return tr, tr.CloseIdleConnections, nil
	}
	return nil, nil, fmt.Errorf("unknown client %q", p.client)
}

// rtWorker is how a user of an http.RoundTripper sends a request and
// reads the answer: the request is built once and sent again, an upload's
// body is a bytes.Reader behind io.NopCloser (what http.NewRequest makes of
// one) set back to the start before each send, and the response body is
// drained with io.Copy(io.Discard, resp.Body) and closed.
type rtWorker struct {
	rt   http.RoundTripper
	req  *http.Request
	data []byte
	rd   *bytes.Reader
	body io.ReadCloser
}

func newRTWorker(rt http.RoundTripper, p *params, data []byte) *rtWorker {
	w := &rtWorker{rt: rt}
	req := &http.Request{Method: http.MethodGet, URL: p.url, Host: p.url.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}}
	if len(data) > 0 {
		req.Method = http.MethodPost
		w.data = data
		w.rd = bytes.NewReader(data)
		w.body = io.NopCloser(w.rd)
		req.ContentLength = int64(len(data))
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	w.req = req
	return w
}

func (w *rtWorker) do() (int64, error) {
	if w.rd != nil {
		w.rd.Reset(w.data)
		w.req.Body = w.body
	}
	resp, err := w.rt.RoundTrip(w.req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return n, err
	}
	if resp.StatusCode != http.StatusOK {
		return n, fmt.Errorf("status %d", resp.StatusCode)
	}
	return n, nil
}

func newFasthttp(p *params, tc *tls.Config) (*clientSet, error) {
	if p.proto != "h1" {
		return nil, errors.New("fasthttp speaks HTTP/1.1 only")
	}
	addr := p.url.Host
	if p.url.Port() == "" {
		addr = net.JoinHostPort(p.url.Hostname(), map[string]string{"http": "80", "https": "443"}[p.url.Scheme])
	}
	hc := &fasthttp.HostClient{Addr: addr, IsTLS: tc != nil, TLSConfig: tc,
		MaxConns: max(p.inFlight, p.idle), MaxIdemponentCallAttempts: 1}
	body := make([]byte, p.bodySize)
	uri := p.url.String()
	return &clientSet{
		newWorker: func(int) worker {
			w := &fastWorker{hc: hc, req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse()}
			w.req.SetRequestURI(uri)
			if len(body) > 0 {
				w.req.Header.SetMethod(http.MethodPost)
				w.req.Header.SetContentType("application/octet-stream")
				w.req.SetBodyRaw(body)
			}
			return w
		},
		close: hc.CloseIdleConnections,
	}, nil
}

// fastWorker uses fasthttp the way its documentation shows: a Request and
// Response acquired once and reused, HostClient.Do reading the whole body
// into the Response's buffer, the upload set with SetBodyRaw.
type fastWorker struct {
	hc   *fasthttp.HostClient
	req  *fasthttp.Request
	resp *fasthttp.Response
}

func (w *fastWorker) do() (int64, error) {
	if err := w.hc.Do(w.req, w.resp); err != nil {
		return 0, err
	}
	n := int64(len(w.resp.Body()))
	if code := w.resp.StatusCode(); code != http.StatusOK {
		return n, errors.New("status " + strconv.Itoa(code))
	}
	return n, nil
}
