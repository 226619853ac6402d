package h1

import (
	"crypto/tls"
	"log/slog"

	"github.com/plexhttp/plex/internal/event"
	"net/http"
	"time"

	"github.com/plexhttp/plex/internal/setting"
)

// Config holds settings shared by all connections of a Client. Zero values
// mean defaults. A Config must not be modified once a Conn uses it.
type Config struct {
	// MaxResponseHeaderBytes bounds the status line and header bytes of one
	// response, counting 1xx responses and trailers; 0 means 1 MiB. A
	// trailer section is further limited to 8 KiB. Parsing a header takes
	// a few times its size in memory.
	MaxResponseHeaderBytes int64
	// ResponseHeaderTimeout bounds the wait from the end of writing the
	// request to the end of the response header; 0 means no limit.
	ResponseHeaderTimeout time.Duration
	// ExpectContinueTimeout is how long a request with "Expect: 100-continue"
	// waits for the 100 before sending its body anyway; 0 sends the body at
	// once.
	ExpectContinueTimeout time.Duration
	// DisableCompression stops the connection from asking for gzip itself
	// (and so from decompressing transparently).
	DisableCompression bool
	// UserAgent is sent when the request has no User-Agent header; "" means
	// "plex/1". A request with an empty User-Agent header sends none.
	UserAgent string
	// WriteByteTimeout fails a request whose write to the connection makes
	// no progress this long (a peer that stopped reading); 0 means
	// DefaultWriteByteTimeout, a negative value no bound. The deadline is
	// armed with a quarter of it as slack, so the failure comes after
	// between WriteByteTimeout and 1.25 times it.
	WriteByteTimeout time.Duration
	// Logger receives connection-level events at debug level; nil logs
	// nothing.
	Logger *slog.Logger
	// ReadBufferSize and WriteBufferSize size the connection's buffered
	// reader and writer; 0 means DefaultBufferSize. A chunk-size line of a
	// chunked response must fit in the read buffer.
	ReadBufferSize  int
	WriteBufferSize int
	// DisableKeepAlives makes every connection carry one exchange: each
	// request says "Connection: close" (except a protocol upgrade, which
	// needs its own Connection header) and the connection is closed when
	// the exchange ends.
	DisableKeepAlives bool
	// BodyReadTimeout, when positive, fails a response body Read, and
	// closes the connection, once no byte of the body has arrived for this
	// long. The wait for the response header is ResponseHeaderTimeout's.
	// 0 means no bound.
	BodyReadTimeout time.Duration
}

// DefaultBufferSize is the size of a connection's read and write buffers
// when Config leaves them zero.
const DefaultBufferSize = 4 << 10

// DefaultWriteByteTimeout applies when Config.WriteByteTimeout is zero.
const DefaultWriteByteTimeout = setting.WriteByteTimeout

func (c *Config) writeByteTimeout() time.Duration { return setting.WriteTimeout(c.WriteByteTimeout) }

// Validate reports every invalid field at once (nil if there is none). A
// nil Config is valid.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	e := setting.NewErrors("h1")
	if c.MaxResponseHeaderBytes < 0 {
		e.Addf("MaxResponseHeaderBytes %d is negative", c.MaxResponseHeaderBytes)
	}
	e.NonNegative("ResponseHeaderTimeout", c.ResponseHeaderTimeout)
	e.NonNegative("ExpectContinueTimeout", c.ExpectContinueTimeout)
	e.NonNegative("BodyReadTimeout", c.BodyReadTimeout)
	if c.ReadBufferSize < 0 {
		e.Addf("ReadBufferSize %d is negative", c.ReadBufferSize)
	}
	if c.WriteBufferSize < 0 {
		e.Addf("WriteBufferSize %d is negative", c.WriteBufferSize)
	}
	return e.Err()
}

// ConnOptions describes one connection.
type ConnOptions struct {
	// TLS is copied to every response's TLS field; nil for cleartext.
	TLS *tls.ConnectionState
	// ForwardProxy means the peer is an HTTP proxy: requests carry the
	// absolute-form target and ProxyHeader.
	ForwardProxy bool
	// ProxyHeader is added to every request when ForwardProxy is set, for
	// example Proxy-Authorization.
	ProxyHeader http.Header
	// ConnID and Origin tag the connection's log lines with the keys the
	// pool uses for it.
	ConnID event.ConnID
	Origin event.Origin
}

const (
	defaultMaxHeaderBytes = setting.MaxHeaderBytes
	defaultUserAgent      = setting.UserAgent
	// inlineBodyMax is the largest replayable body written by the caller's
	// goroutine before it reads the response.
	inlineBodyMax = 64 << 10
	// drainMax is how much of an unread response body Close reads to save the
	// connection for reuse.
	drainMax = 64 << 10
	// drainTimeout bounds how long Close waits for the rest of a body.
	drainTimeout = 50 * time.Millisecond
	// writerGrace is how long the end of a response waits for the request
	// body writer to finish before giving up on the connection.
	writerGrace = 50 * time.Millisecond
	// max1xx is how many informational responses may precede the final one.
	max1xx = setting.Max1xx
)

func (cfg *Config) maxHeaderBytes() int64 {
	if cfg.MaxResponseHeaderBytes > 0 {
		return cfg.MaxResponseHeaderBytes
	}
	return defaultMaxHeaderBytes
}

func (cfg *Config) userAgent() string {
	if cfg.UserAgent != "" {
		return cfg.UserAgent
	}
	return defaultUserAgent
}

func (cfg *Config) readBufferSize() int {
	if cfg.ReadBufferSize > 0 {
		return cfg.ReadBufferSize
	}
	return DefaultBufferSize
}

func (cfg *Config) writeBufferSize() int {
	if cfg.WriteBufferSize > 0 {
		return cfg.WriteBufferSize
	}
	return DefaultBufferSize
}
