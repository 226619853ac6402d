package h2

import (
	"log/slog"

	"github.com/plexhttp/plex/internal/event"
	"time"

	"github.com/plexhttp/plex/internal/setting"
)

// Default values used for zero Config fields.
//
// Receive windows: a 1 MiB stream window lets a fast loopback download of
// 1 MiB run without stalling on WINDOW_UPDATE round trips (credit goes back
// at half the window), while a 16 MiB connection window caps what a server
// can have queued for us across all streams at 16 MiB, about 1000 DATA
// frames of 16 KiB. With x/net's 4 MiB per stream and no meaningful
// connection cap, 80 busy streams let a server queue tens of thousands of
// frames, which trips servers that bound their queued frames (nginx fails
// cleartext connections past roughly 10k).
const (
	DefaultInitialStreamWindowSize = 1 << 20
	DefaultInitialConnWindowSize   = 16 << 20
	// DefaultMaxStreamWindowSize bounds adaptive stream windows (bdp.go):
	// enough for 1 Gbit/s at 100 ms of round trip, and what one slow
	// reader of a fast stream can be made to hold.
	DefaultMaxStreamWindowSize = 16 << 20
	DefaultMaxReadFrameSize    = 16 << 10
	DefaultMaxHeaderListSize   = setting.MaxHeaderBytes
	DefaultPingTimeout         = 15 * time.Second
	DefaultWriteByteTimeout    = setting.WriteByteTimeout
	DefaultUserAgent           = setting.UserAgent
	// DefaultHeaderTableSize is the HPACK dynamic table size both ways:
	// the initial value of SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2).
	DefaultHeaderTableSize = initialHeaderTableSize
)

const (
	maxWindow       = 1<<31 - 1
	minMaxFrameSize = 1 << 14
	maxMaxFrameSize = 1<<24 - 1
)

// Config tunes a ClientConn. The zero value is usable; zero fields take the
// Default values above. A Config must not be changed after it is passed to
// NewClientConn.
type Config struct {
	// InitialStreamWindowSize is our SETTINGS_INITIAL_WINDOW_SIZE: how many
	// response body bytes a server may send on one stream before we read
	// them. 0 means DefaultInitialStreamWindowSize; at most 2^31-1. A
	// non-zero value fixes the windows (no adaptation, see bdp.go) unless
	// MaxStreamWindowSize is set too.
	InitialStreamWindowSize uint32
	// InitialConnWindowSize is the connection receive window, raised with a
	// WINDOW_UPDATE right after the preface. 0 means
	// DefaultInitialConnWindowSize; at least 65535, at most 2^31-1. A
	// non-zero value fixes the windows unless MaxStreamWindowSize is set.
	InitialConnWindowSize uint32
	// MaxStreamWindowSize is the largest receive window a stream may get
	// when windows adapt to the path: on a connection whose measured
	// bandwidth-delay product needs more than the initial window, streams
	// the application reads grow up to it, and the connection window up
	// to twice it. 0 means DefaultMaxStreamWindowSize when both initial
	// windows are left at 0, and fixed windows otherwise; a value at or
	// below the initial stream window also means fixed windows. At most
	// 2^31-1.
	MaxStreamWindowSize uint32
	// DisableAdaptiveWindow keeps every receive window at its initial size
	// and sends no PINGs to measure the path.
	DisableAdaptiveWindow bool
	// MaxReadFrameSize is our SETTINGS_MAX_FRAME_SIZE. 0 means
	// DefaultMaxReadFrameSize; otherwise 16384..16777215.
	MaxReadFrameSize uint32
	// MaxHeaderListSize is our SETTINGS_MAX_HEADER_LIST_SIZE and the limit
	// enforced on every received header block (decoded size per RFC 9113
	// §6.5.2). 0 means DefaultMaxHeaderListSize.
	MaxHeaderListSize uint32
	// ReadIdleTimeout, when positive, sends a PING after this long without
	// any frame received, to find dead connections. 0 turns it off.
	ReadIdleTimeout time.Duration
	// PingTimeout is how long a PING we send on our own (health check, or
	// after resetting a stream) may go unanswered before the connection is
	// closed. 0 means DefaultPingTimeout.
	PingTimeout time.Duration
	// WriteByteTimeout closes the connection when a write makes no progress
	// for this long, or up to a quarter longer: the deadline is moved only
	// now and then. 0 means DefaultWriteByteTimeout; a negative value means
	// no bound.
	WriteByteTimeout time.Duration
	// ResponseHeaderTimeout, when positive, bounds the wait for response
	// headers from the end of writing the request (its body included) to
	// the end of the response headers. 0 means no limit beyond the
	// request's context.
	ResponseHeaderTimeout time.Duration
	// ExpectContinueTimeout is how long a request with "Expect:
	// 100-continue" waits for the server's 100 (Continue) before sending
	// its body anyway. A final response that comes first means the server
	// decided without the body, which is then not sent. 0 sends the body at
	// once.
	ExpectContinueTimeout time.Duration
	// DisableCompression stops us from adding "accept-encoding: gzip" (and
	// transparently decoding the gzip response that would follow).
	DisableCompression bool
	// UserAgent is sent when a request has no User-Agent header.
	// "" means DefaultUserAgent.
	UserAgent string
	// FrameTrace, when set, is called for every frame read and written, on
	// the goroutine that read or wrote it. It must be fast and must not call
	// back into the ClientConn. nil costs nothing.
	FrameTrace func(FrameEvent)
	// Logger receives connection-level events at debug level. nil discards.
	Logger *slog.Logger
	// Events receives GoAwayReceived and StreamReset, tagged with ConnID
	// and Origin; nil costs one pointer check. The client sets these three
	// per connection.
	Events *event.Listener
	ConnID event.ConnID
	Origin event.Origin
	// DisableKeepAlives makes the connection carry one request: it takes no
	// other once the first stream opens, and closes when that stream ends.
	DisableKeepAlives bool
	// BodyReadTimeout, when positive, fails a response body Read once no
	// byte of the body has arrived for this long, resetting only that
	// stream (RST_STREAM CANCEL). The wait for the response headers is
	// ResponseHeaderTimeout's. 0 means no bound.
	BodyReadTimeout time.Duration
	// MaxDecoderHeaderTableSize is the HPACK table size we let the server's
	// encoder use, announced as SETTINGS_HEADER_TABLE_SIZE. 0 means
	// DefaultHeaderTableSize.
	MaxDecoderHeaderTableSize uint32
	// MaxEncoderHeaderTableSize caps the HPACK table our encoder uses, even
	// when the server's SETTINGS_HEADER_TABLE_SIZE allows more. 0 means
	// DefaultHeaderTableSize.
	MaxEncoderHeaderTableSize uint32
}

// Validate reports every invalid field at once (nil if there is none). A
// nil Config is valid.
func (c *Config) Validate() error {
	if c == nil {
		return nil
	}
	e := setting.NewErrors("h2")
	if c.InitialStreamWindowSize > maxWindow {
		e.Addf("InitialStreamWindowSize %d exceeds %d", c.InitialStreamWindowSize, maxWindow)
	}
	if n := c.InitialConnWindowSize; n != 0 && (n < initialWindow || n > maxWindow) {
		e.Addf("InitialConnWindowSize %d outside %d..%d", n, initialWindow, maxWindow)
	}
	if c.MaxStreamWindowSize > maxWindow {
		e.Addf("MaxStreamWindowSize %d exceeds %d", c.MaxStreamWindowSize, maxWindow)
	}
	if n := c.MaxReadFrameSize; n != 0 && (n < minMaxFrameSize || n > maxMaxFrameSize) {
		e.Addf("MaxReadFrameSize %d outside %d..%d", n, minMaxFrameSize, maxMaxFrameSize)
	}
	e.NonNegative("ReadIdleTimeout", c.ReadIdleTimeout)
	e.NonNegative("PingTimeout", c.PingTimeout)
	e.NonNegative("ResponseHeaderTimeout", c.ResponseHeaderTimeout)
	e.NonNegative("ExpectContinueTimeout", c.ExpectContinueTimeout)
	e.NonNegative("BodyReadTimeout", c.BodyReadTimeout)
	return e.Err()
}

// withDefaults returns a copy of c with zero fields defaulted, or the error
// of Validate.
func (c *Config) withDefaults() (Config, error) {
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	var out Config
	if c != nil {
		out = *c
	}
	out.MaxStreamWindowSize = adaptiveStreamCap(c)
	if out.InitialStreamWindowSize == 0 {
		out.InitialStreamWindowSize = DefaultInitialStreamWindowSize
	}
	if out.InitialConnWindowSize == 0 {
		out.InitialConnWindowSize = DefaultInitialConnWindowSize
	}
	if out.MaxReadFrameSize == 0 {
		out.MaxReadFrameSize = DefaultMaxReadFrameSize
	}
	if out.MaxHeaderListSize == 0 {
		out.MaxHeaderListSize = DefaultMaxHeaderListSize
	}
	if out.MaxDecoderHeaderTableSize == 0 {
		out.MaxDecoderHeaderTableSize = DefaultHeaderTableSize
	}
	if out.MaxEncoderHeaderTableSize == 0 {
		out.MaxEncoderHeaderTableSize = DefaultHeaderTableSize
	}
	if out.PingTimeout == 0 {
		out.PingTimeout = DefaultPingTimeout
	}
	out.WriteByteTimeout = setting.WriteTimeout(out.WriteByteTimeout)
	if out.UserAgent == "" {
		out.UserAgent = DefaultUserAgent
	}
	return out, nil
}
