package plex

import (
	"context"
	"net"
	"slices"
	"time"
)

// Options that make the Client a drop-in for net/http's Transport, with
// those OkHttp and reqwest users look for. Each names the http.Transport
// field it stands for, if any.

// NoWriteByteTimeout, passed to WithWriteByteTimeout, switches the bound on
// stalled writes off: only the request's context then ends a write to a
// peer that stopped reading.
const NoWriteByteTimeout time.Duration = -1

// WithDisableKeepAlives makes every connection carry one request, as
// http.Transport.DisableKeepAlives does. HTTP/1.1 requests say
// "Connection: close" (except protocol upgrades, whose Connection header
// names the upgrade) and their connection is closed when the response
// ends; an HTTP/2 connection opens one stream and closes when it ends.
// The default, false, keeps connections for reuse.
func WithDisableKeepAlives(disable bool) Option {
	return func(c *config) { c.disableKeepAlives = disable }
}

// WithDialTLSContext makes the TLS connections to the first hop with dial,
// as http.Transport.DialTLSContext does: to an https origin reached
// directly, and to an https proxy. dial returns a connection that speaks
// TLS; a *tls.Conn whose handshake is not done yet has it done by the
// Client, within WithTLSHandshakeTimeout. The protocol comes from the
// connection's ALPN result when it has a ConnectionState method, as
// *tls.Conn does: "h2" means HTTP/2 and anything else HTTP/1.1, each only
// if WithProtocols allows it (else the request fails with an alpn.ALPNError).
// A connection without ConnectionState speaks HTTP/1.1. WithTLSConfig does
// not apply to these connections, so offer "h2" in dial's own NextProtos
// for HTTP/2. An origin reached through a CONNECT tunnel gets the Client's
// own TLS. dial runs within WithDialTimeout plus WithTLSHandshakeTimeout.
// The default, nil, has the Client make TLS itself over WithDialContext's
// connections.
func WithDialTLSContext(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dialTLSContext, c.dialTLSContextSet = dial, true }
}

// WithBodyReadTimeout fails a response body Read once no byte of the body
// has arrived for d, like OkHttp's read timeout; net/http has no such
// bound. The error is a net.Error whose Timeout is true and says "body read
// timeout". On HTTP/1.1 the connection is closed; on HTTP/2 only the stream
// is reset (RST_STREAM CANCEL) and the connection carries on. The clock
// runs only while a Read waits: bytes that arrived while the application
// was busy are returned at once. It does not cover the wait for the
// response headers: that is WithResponseHeaderTimeout. Zero (the default)
// means no bound; a negative d is invalid.
func WithBodyReadTimeout(d time.Duration) Option {
	return func(c *config) { c.bodyReadTimeout = d }
}

// WithReadBufferSize sets the size of each HTTP/1.1 connection's read
// buffer, as http.Transport.ReadBufferSize does; a chunk-size line of a
// chunked response must fit in it. Zero means the default, 4 KiB; a
// negative n is invalid. HTTP/2 connections are not affected, as in
// net/http: they read into a small buffer while quiet and borrow 32 KiB
// blocks while busy.
func WithReadBufferSize(n int) Option {
	return func(c *config) { c.readBufferSize = n }
}

// WithWriteBufferSize sets the size of each HTTP/1.1 connection's write
// buffer, as http.Transport.WriteBufferSize does: a larger one sends a
// large header section or request body in fewer writes. Zero means the
// default, 4 KiB; a negative n is invalid. HTTP/2 connections are not
// affected, as in net/http: their frames gather in borrowed 32 KiB blocks.
func WithWriteBufferSize(n int) Option {
	return func(c *config) { c.writeBufferSize = n }
}

// WithMaxDecoderHeaderTableSize sets the HPACK dynamic table size HTTP/2
// servers may use for the response headers they send us, announced as
// SETTINGS_HEADER_TABLE_SIZE (x/net's http2.Transport field of that name).
// Zero means the default, 4096, the protocol's initial value, which is
// then not announced.
func WithMaxDecoderHeaderTableSize(n uint32) Option {
	return func(c *config) { c.maxDecoderHeaderTable = n }
}

// WithMaxEncoderHeaderTableSize caps the HPACK dynamic table we use to
// compress request headers on HTTP/2 (x/net's http2.Transport field of that
// name): we use the server's SETTINGS_HEADER_TABLE_SIZE up to this cap, and
// tell the server the size in use at the start of the next header block.
// Zero means the default, 4096.
func WithMaxEncoderHeaderTableSize(n uint32) Option {
	return func(c *config) { c.maxEncoderHeaderTable = n }
}

// Clone returns a new Client with c's options and a pool of its own, as
// http.Transport.Clone does: it shares no connection with c, and closing
// either leaves the other as it is (a Clone of a closed Client is open).
// What the options hold by reference (dial and proxy functions, the cookie
// jar, the logger, hooks) is shared; the TLS configuration is cloned.
func (c *Client) Clone() *Client {
	cfg := c.cfg
	cfg.protocols = slices.Clone(cfg.protocols)
	cfg.tlsConfig = cfg.tlsConfig.Clone()
	return newClient(cfg)
}
