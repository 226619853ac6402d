// Package plex is an HTTP client that negotiates HTTP/2 or HTTP/1.1 per
// origin and carries requests on one connection pool for both, behind the
// http.RoundTripper interface.
//
//	c, err := plex.New(plex.WithMaxConnsPerHost(64))
//	if err != nil { ... }
//	defer c.Close()
//	resp, err := c.Do(req)   // redirects, cookies, WithTimeout
//	hc := c.HTTPClient()     // the same, for code that wants an *http.Client
//
// c itself is an http.RoundTripper too, but an http.Client built around it
// (&http.Client{Transport: c}) knows nothing of WithTimeout,
// WithCheckRedirect or WithJar; HTTPClient returns one that does.
//
// Protocol selection: https origins offer ALPN "h2" and "http/1.1" and take
// the server's choice; http origins speak HTTP/1.1, or HTTP/2 with prior
// knowledge when UnencryptedHTTP2 is among WithProtocols and HTTP1 is not
// (as with net/http's Transport.Protocols). A request that switches
// protocols (Connection: upgrade, as WebSockets do) always goes on an
// HTTP/1.1 connection of its own; after 101 Switching Protocols its
// response body is the connection, an io.ReadWriteCloser that belongs to
// the caller: Close and CloseIdleConnections leave it open.
//
// Proxies: like http.DefaultTransport, a Client uses the proxies that
// HTTPS_PROXY, HTTP_PROXY and NO_PROXY name, read when New runs; pass
// WithProxy(nil) for none, or WithProxy to choose per request (http, https,
// socks5 and socks5h proxy URLs).
package plex

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/pool"
)

// Protocol is one wire protocol the Client may speak.
type Protocol int

const (
	HTTP1            Protocol = iota + 1 // HTTP/1.1 over TCP or TLS
	HTTP2                                // HTTP/2 over TLS, selected by ALPN "h2"
	UnencryptedHTTP2                     // HTTP/2 with prior knowledge (h2c) for http:// URLs, when HTTP1 is not also set
)

// String gives the protocol's usual name.
func (p Protocol) String() string {
	switch p {
	case HTTP1:
		return "HTTP/1.1"
	case HTTP2:
		return "HTTP/2"
	case UnencryptedHTTP2:
		return "h2c"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

// ErrClientClosed is returned by RoundTrip and Do after Close.
var ErrClientClosed = errors.New("plex: client closed")

// Client is an HTTP client with one connection pool for HTTP/1.1 and
// HTTP/2. It is safe for concurrent use; create one and share it. Close it
// when done: no goroutine or connection outlives Close.
//
// All fields are set by New and never change, except the atomic counters.
type Client struct {
	cfg    config
	dialer *alpn.Dialer
	pool   *pool.Pool
	h1cfg  *h1.Config
	h2cfg  *h2.Config
	hc     *http.Client // Do's redirect, cookie and timeout handling on top of RoundTrip
	// backoff bounds and paces resends; see WithRetryBackoff.
	backoff retry.Backoff

	// closeCtx ends when Close is called; dials derive from it so Close
	// stops them.
	closeCtx context.Context
	cancel   context.CancelFunc
	closed   atomic.Bool

	requests atomic.Uint64
	retries  atomic.Uint64

	httpAddrs, httpsAddrs addrCache   // pool addresses of portless URL hosts
	addrs                 *addrPicker // WithLookupNetIP's address choice; nil without it
}

// New builds a Client. It returns an error, never panics, for invalid option
// values, and reports all of them at once.
func New(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return newClient(cfg), nil
}

// newClient builds a Client from a valid configuration.
func newClient(cfg config) *Client {
	c := &Client{cfg: cfg}
	c.closeCtx, c.cancel = context.WithCancel(context.Background())
	c.dialer = cfg.dialer()
	c.addrs = cfg.newAddrPicker(c.dialer, cfg.events)
	c.h1cfg = cfg.h1Config()
	c.h2cfg = cfg.h2Config()
	c.backoff = cfg.backoff()
	pc := cfg.poolConfig(c.dial)
	if cfg.coalescing {
		pc.Coalesce = c.coalesce
	}
	c.pool = pool.New(pc)
	c.hc = &http.Client{
		Transport:     c,
		CheckRedirect: cfg.checkRedirect,
		Jar:           cfg.jar,
		Timeout:       cfg.timeout,
	}
	return c
}

// Do sends req and follows redirects with the configured policy, using the
// cookie jar and the overall timeout set by the options, exactly as
// http.Client.Do does on top of RoundTrip. Errors are *url.Error values
// wrapping RoundTrip's, ErrClientClosed after Close among them.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	return c.hc.Do(req)
}

// HTTPClient returns an *http.Client configured as the one Do uses: its
// Transport is c, and its Timeout, CheckRedirect and Jar come from
// WithTimeout, WithCheckRedirect and WithJar. Hand it to code that takes an
// *http.Client; one built as &http.Client{Transport: c} would drop those
// three options. Each call returns a new http.Client, so changing its
// fields changes neither Do nor other callers' clients; all of them share
// c's connections. After Close its requests fail with ErrClientClosed.
func (c *Client) HTTPClient() *http.Client {
	hc := *c.hc
	return &hc
}

// CloseIdleConnections closes every connection that carries no request now.
func (c *Client) CloseIdleConnections() {
	c.pool.CloseIdle()
}

// Close closes all connections and stops dials under way. Requests in flight
// and response bodies being read fail with an error that matches
// ErrClientClosed (errors.Is), as do later calls to RoundTrip and Do. Close
// is safe to call more than once.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	return c.pool.CloseWithError(ErrClientClosed)
}

func closeBody(req *http.Request) {
	if req != nil && req.Body != nil {
		req.Body.Close()
	}
}
