package plex

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/h1"
	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/setting"
	"github.com/plexhttp/plex/pool"
)

// Option configures a Client. Options are applied in order by New; a later
// option overrides an earlier one. Invalid values are reported by New.
type Option func(*config)

// config is the plain form of every option, before it is split into the
// per-package configs (alpn.Dialer, pool.Config, h1.Config, h2.Config).
type config struct {
	tlsConfig             *tls.Config
	dialContext           func(ctx context.Context, network, addr string) (net.Conn, error)
	dialContextSet        bool
	protocols             []Protocol
	timeout               time.Duration
	dialTimeout           time.Duration
	tlsHandshakeTimeout   time.Duration
	responseHeaderTimeout time.Duration
	expectContinueTimeout time.Duration
	maxConnsPerHost       int
	maxIdleConns          int
	maxIdleConnsPerHost   int
	idleConnTimeout       time.Duration
	maxResponseHeader     int64
	strictMaxStreams      bool
	streamWindow          uint32
	connWindow            uint32
	maxStreamWindow       uint32
	fixedWindows          bool
	maxReadFrameSize      uint32
	readIdleTimeout       time.Duration
	pingTimeout           time.Duration
	proxyConfig           // options_proxy.go
	checkRedirect         func(req *http.Request, via []*http.Request) error
	jar                   http.CookieJar
	logger                *slog.Logger
	disableCompression    bool
	userAgent             string
	frameTrace            func(h2.FrameEvent)
	writeByteTimeout      time.Duration
	retryBase             time.Duration
	retryCap              time.Duration
	maxRetries            int

	// Transport options (options_transport.go). Clone copies config by
	// value: a field that holds a slice or map must be copied there too.
	disableKeepAlives     bool
	dialTLSContext        func(ctx context.Context, network, addr string) (net.Conn, error)
	dialTLSContextSet     bool
	bodyReadTimeout       time.Duration
	readBufferSize        int
	writeBufferSize       int
	maxDecoderHeaderTable uint32
	maxEncoderHeaderTable uint32

	events *EventListener // options_observe.go

	rebalanceConfig // options_fleet_rebalance.go
	addrsConfig     // options_fleet_addrs.go
	budgetConfig    // options_fleet_budget.go

	cleartextProtocol func(addr string) Protocol // options_fleet_cleartext.go

	coalescing bool // options_fleet_coalesce.go
}

// Defaults, chosen for services calling services. Zero-valued window and frame
// sizes leave the choice to the h2 package, which documents its reasoning.
const (
	defaultDialTimeout           = 30 * time.Second
	defaultTLSHandshakeTimeout   = 10 * time.Second
	defaultExpectContinueTimeout = 1 * time.Second
	defaultMaxIdleConnsPerHost   = 100
	defaultIdleConnTimeout       = 90 * time.Second
	defaultMaxResponseHeader     = setting.MaxHeaderBytes
	defaultPingTimeout           = 15 * time.Second
	defaultUserAgent             = setting.UserAgent
	defaultRetryBase             = 50 * time.Millisecond
	defaultRetryCap              = 2 * time.Second
	defaultMaxRetries            = 5
	// retryJitter is the share of each resend wait taken off at random:
	// enough to spread clients refused at the same moment, while keeping
	// the waits growing.
	retryJitter = 0.5
)

func defaultConfig() config {
	return config{
		proxyConfig:           proxyConfig{proxy: proxyFromEnvironment()},
		protocols:             []Protocol{HTTP1, HTTP2},
		dialTimeout:           defaultDialTimeout,
		tlsHandshakeTimeout:   defaultTLSHandshakeTimeout,
		expectContinueTimeout: defaultExpectContinueTimeout,
		maxIdleConnsPerHost:   defaultMaxIdleConnsPerHost,
		idleConnTimeout:       defaultIdleConnTimeout,
		maxResponseHeader:     defaultMaxResponseHeader,
		pingTimeout:           defaultPingTimeout,
		userAgent:             defaultUserAgent,
		retryBase:             defaultRetryBase,
		retryCap:              defaultRetryCap,
		maxRetries:            defaultMaxRetries,
	}
}

// WithTLSConfig sets the TLS configuration for https origins and https
// proxies. The Client clones it and sets NextProtos itself from the
// configured protocols. Certificate verification stays on unless cfg turns
// it off.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) { c.tlsConfig = cfg }
}

// WithDialContext routes every TCP dial (to origins and to proxies) through
// dial. TLS is layered on top by the Client.
func WithDialContext(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *config) { c.dialContext, c.dialContextSet = dial, true }
}

// WithProtocols sets the protocols the Client may speak. The default is
// HTTP1 and HTTP2: https origins negotiate by ALPN and http origins use
// HTTP/1.1. As with net/http's Transport.Protocols, http:// origins speak
// HTTP/2 with prior knowledge (h2c) only when UnencryptedHTTP2 is in the
// set and HTTP1 is not: with both, they speak HTTP/1.1.
//
// A request that switches protocols (Connection: upgrade, as WebSockets
// do) needs HTTP/1.1: it fails when HTTP1 is not in the set, and otherwise
// goes on an HTTP/1.1 connection of its own, even to an origin that
// offers HTTP/2.
func WithProtocols(p ...Protocol) Option {
	return func(c *config) { c.protocols = append([]Protocol(nil), p...) }
}

// WithTimeout bounds a whole Do call, redirects and body read included,
// like http.Client.Timeout. Zero means no limit. RoundTrip is bounded only by
// the request's context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithDialTimeout bounds establishing a TCP connection (and, separately, a
// proxy tunnel). Zero means the default, 30s; a negative d is invalid. It
// cannot be switched off: the request's context bounds the dial as well.
func WithDialTimeout(d time.Duration) Option {
	return func(c *config) { c.dialTimeout = d }
}

// WithTLSHandshakeTimeout bounds the TLS handshake, to the origin and to an
// https proxy; when it expires the error is a net.Error with Timeout true
// that says "TLS handshake timeout", distinct from the request context's
// deadline. Zero means the default, 10s; a negative d is invalid.
func WithTLSHandshakeTimeout(d time.Duration) Option {
	return func(c *config) { c.tlsHandshakeTimeout = d }
}

// WithResponseHeaderTimeout bounds the wait for the response headers from
// the end of writing the request, its body included, on both protocols (as
// net/http does): a slow upload is not a slow server. A request that times
// out this way is never sent again. Zero (the default) switches it off,
// leaving the request's context; a negative d is invalid.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(c *config) { c.responseHeaderTimeout = d }
}

// WithExpectContinueTimeout is how long a request with "Expect:
// 100-continue" waits for the server's 100 before sending its body anyway,
// on both protocols. The default is 1s; zero sends the body at once; a
// negative d is invalid.
func WithExpectContinueTimeout(d time.Duration) Option {
	return func(c *config) { c.expectContinueTimeout = d }
}

// WithMaxConnsPerHost limits the connections to one origin, counting those
// being dialed, in use and idle, HTTP/1.1 and HTTP/2 alike. Requests beyond
// it wait in order of arrival. Zero (the default) means no limit.
func WithMaxConnsPerHost(n int) Option {
	return func(c *config) { c.maxConnsPerHost = n }
}

// WithMaxIdleConns limits idle connections across all origins; the least
// recently used are closed first. Zero (the default) means no limit.
func WithMaxIdleConns(n int) Option {
	return func(c *config) { c.maxIdleConns = n }
}

// WithMaxIdleConnsPerHost limits idle connections per origin. Zero means the
// default, 100 (net/http's is 2, which makes busy services redial
// constantly); a negative n is invalid.
func WithMaxIdleConnsPerHost(n int) Option {
	return func(c *config) { c.maxIdleConnsPerHost = n }
}

// WithIdleConnTimeout closes connections idle for longer than d. The
// default is 90s; zero keeps idle connections until CloseIdleConnections.
func WithIdleConnTimeout(d time.Duration) Option {
	return func(c *config) { c.idleConnTimeout = d }
}

// WithMaxResponseHeaderBytes limits the size of a response's header: the
// bytes of an HTTP/1.1 header section (1xx responses included), or the
// HTTP/2 header list size we announce and enforce. Trailers are bounded
// separately, to 8 KiB, on both protocols. n may be 0 to 2^32-1; zero means the
// default, 1 MiB. It cannot be switched off.
func WithMaxResponseHeaderBytes(n int64) Option {
	return func(c *config) { c.maxResponseHeader = n }
}

// WithStrictMaxConcurrentStreams decides what happens when every HTTP/2
// connection to an origin has as many streams as the server allows: true
// waits for a free stream slot; false (the default) opens another
// connection, within WithMaxConnsPerHost.
func WithStrictMaxConcurrentStreams(strict bool) Option {
	return func(c *config) { c.strictMaxStreams = strict }
}

// WithInitialStreamWindowSize sets the HTTP/2 receive window of each stream
// (SETTINGS_INITIAL_WINDOW_SIZE): how much of one body a server may send
// before it is read. n may be 1 to 2^31-1; zero means the default, 1 MiB.
//
// By default the windows adapt to the path (see WithMaxStreamWindowSize);
// a non-zero n, like a non-zero WithInitialConnWindowSize, fixes them at
// the sizes given, unless WithMaxStreamWindowSize is also set, in which
// case they start there and may grow to that maximum.
func WithInitialStreamWindowSize(n uint32) Option {
	return func(c *config) { c.streamWindow = n }
}

// WithMaxStreamWindowSize sets how large an HTTP/2 stream's receive window
// may grow when windows adapt to the path. A fixed window caps one stream
// at one window per round trip (1 MiB at 50 ms is 168 Mbit/s), so by
// default each connection estimates its bandwidth-delay product from PING
// round trips while a large body arrives, and streams the application
// reads get windows up to n, the connection up to twice n (at least its
// initial window). n may be 0 to 2^31-1; zero means the default, 16 MiB,
// which carries 1 Gbit/s at up to about 100 ms of round trip. n is also
// what one slow reader of a once-fast stream can be made to buffer; streams
// that are never read keep the initial window. An n at or below the
// initial stream window keeps the windows fixed.
func WithMaxStreamWindowSize(n uint32) Option {
	return func(c *config) { c.maxStreamWindow = n }
}

// WithAdaptiveWindow(false) keeps every HTTP/2 receive window at its
// initial size and sends no PINGs to measure the path; true (the default)
// lets them adapt, as WithMaxStreamWindowSize describes.
func WithAdaptiveWindow(enabled bool) Option {
	return func(c *config) { c.fixedWindows = !enabled }
}

// WithInitialConnWindowSize sets the HTTP/2 connection-level receive
// window: how much a server may send across all streams before it is read.
// n may be 65535 to 2^31-1; zero means the default, 16 MiB. While a
// goroutine waits on a stream (for its response or for body bytes) the
// connection lends that stream credit beyond this window when bytes
// buffered, unread, for other streams hold it, so reading bodies in any
// order always makes progress; buffering then stays within this window
// plus the streams' own windows. A non-zero n fixes the windows, as
// WithInitialStreamWindowSize describes; while they adapt, the connection
// window may grow to twice WithMaxStreamWindowSize (32 MiB by default).
func WithInitialConnWindowSize(n uint32) Option {
	return func(c *config) { c.connWindow = n }
}

// WithMaxReadFrameSize sets the largest HTTP/2 frame payload we accept
// (SETTINGS_MAX_FRAME_SIZE), 16384 to 16777215. Zero means the default,
// 16384.
func WithMaxReadFrameSize(n uint32) Option {
	return func(c *config) { c.maxReadFrameSize = n }
}

// WithReadIdleTimeout makes an HTTP/2 connection send a PING after d
// without receiving a frame, and close when WithPingTimeout passes without
// an answer. Zero (the default) turns the health check off; a negative d is
// invalid.
func WithReadIdleTimeout(d time.Duration) Option {
	return func(c *config) { c.readIdleTimeout = d }
}

// WithPingTimeout is how long an HTTP/2 PING may go unanswered before the
// connection is closed. Zero means the default, 15s; a negative d is
// invalid. The health check itself is switched on by WithReadIdleTimeout.
func WithPingTimeout(d time.Duration) Option {
	return func(c *config) { c.pingTimeout = d }
}

// WithCheckRedirect sets Do's redirect policy, with http.Client.CheckRedirect
// semantics. The default follows up to 10 redirects.
func WithCheckRedirect(fn func(req *http.Request, via []*http.Request) error) Option {
	return func(c *config) { c.checkRedirect = fn }
}

// WithJar sets the cookie jar Do uses. The default is none.
func WithJar(jar http.CookieJar) Option {
	return func(c *config) { c.jar = jar }
}

// WithLogger receives connection-level events (dials, protocol chosen,
// connections closed and why) at debug level. The default logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithDisableCompression stops the Client from asking for gzip responses
// on its own. Requests that set Accept-Encoding themselves are never
// decompressed.
func WithDisableCompression(disable bool) Option {
	return func(c *config) { c.disableCompression = disable }
}

// WithUserAgent sets the User-Agent sent when a request has none. The
// default is "plex/1".
func WithUserAgent(ua string) Option {
	return func(c *config) { c.userAgent = ua }
}

// WithWriteByteTimeout fails a request, and closes its connection, when a
// write to the connection makes no progress for d: the peer stopped
// reading. It bounds requests that have no deadline of their own, on both
// protocols. Zero means the default, 30s. To switch the bound off, pass
// NoWriteByteTimeout (any negative d does the same): a stalled write then
// waits until the request's context ends. The write deadline is moved only
// now and then, not before every write, so a stalled write fails after
// between d and 1.25*d.
func WithWriteByteTimeout(d time.Duration) Option {
	return func(c *config) { c.writeByteTimeout = d }
}

// WithRetryBackoff sets how long a request waits before it is sent again
// after a failure that proved a resend safe (see ErrMaybeProcessed for
// which failures those are). The k-th wait is base·2^(k-1), at most max,
// less a random part of up to half of it, and it ends at once when the
// request's context ends or the Client is closed.
//
// Which resends wait: the first resend goes at once when the request's
// connection was lost or closed under it (a server closing an idle
// keep-alive connection, a graceful GOAWAY, a connection found dead before
// use), since the resend goes on another connection and such failures are
// common and benign. When the server refused the request (HTTP/2
// REFUSED_STREAM, or a GOAWAY with an error code), the first resend waits
// too: an overloaded server must not be hammered. Every later resend waits.
//
// The defaults are 50ms and 2s. Both must be zero or more; a non-zero max
// must be at least base. A zero base turns the waits off (every resend goes
// at once, the behaviour of net/http); a zero max leaves the doubling
// unbounded. How many resends there may be is set by WithMaxRetries.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(c *config) { c.retryBase, c.retryCap = base, max }
}

// WithMaxRetries bounds how often one request is sent again after failures
// that proved a resend safe, so that a server refusing everything cannot
// keep a request busy for ever: a request is tried at most n+1 times. The
// default is 5. Zero turns resends off: every failure is returned at once,
// even that of a request sent on an idle connection the server had just
// closed. Negative values are refused.
func WithMaxRetries(n int) Option {
	return func(c *config) { c.maxRetries = n }
}

// WithFrameTrace calls fn for every HTTP/2 frame read or written, on every
// connection, for conformance testing and debugging. fn runs on the
// connection's reader or writer path: keep it fast and do not block.
func WithFrameTrace(fn func(h2.FrameEvent)) Option {
	return func(c *config) { c.frameTrace = fn }
}

// validate reports every invalid value at once. The rules of each setting
// live with the package that uses it (alpn.Dialer, pool.Config, h1.Config,
// h2.Config each validate themselves); only what the root itself owns is
// checked here. A setting both protocols share is reported once.
func (c *config) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("plex: "+format, args...))
	}
	if c.timeout < 0 {
		bad("negative timeout %v", c.timeout)
	}
	// Resends are the root's own business, so their rules live here.
	if c.retryBase < 0 {
		bad("negative retry backoff base %v", c.retryBase)
	}
	if c.retryCap < 0 {
		bad("negative retry backoff max %v", c.retryCap)
	}
	if c.retryCap > 0 && c.retryCap < c.retryBase {
		bad("retry backoff max %v below its base %v", c.retryCap, c.retryBase)
	}
	if c.maxRetries < 0 {
		bad("negative max retries %d", c.maxRetries)
	}
	c.validateBudget(bad)
	if c.maxResponseHeader > math.MaxUint32 {
		bad("max response header bytes %d above %d", c.maxResponseHeader, uint32(math.MaxUint32))
	}
	if c.dialContextSet && c.dialContext == nil {
		bad("nil dial function")
	}
	if c.dialTLSContextSet && c.dialTLSContext == nil {
		bad("nil TLS dial function")
	}
	if len(c.protocols) == 0 {
		bad("empty protocol set")
	}
	for _, p := range c.protocols {
		if p < HTTP1 || p > UnencryptedHTTP2 {
			bad("unknown protocol %d", int(p))
		}
	}
	errs = appendUnique(errs, c.dialer().Validate())
	pc := c.poolConfig(nil)
	errs = appendUnique(errs, pc.Validate())
	errs = appendUnique(errs, c.h1Config().Validate())
	errs = appendUnique(errs, c.h2Config().Validate())
	return errors.Join(errs...)
}

// appendUnique adds the errors joined in err to errs, leaving out those
// already there up to their package prefix: a value both protocols check
// ("h1: ResponseHeaderTimeout -1s is negative" and its "h2:" twin) is
// reported once.
func appendUnique(errs []error, err error) []error {
	if err == nil {
		return errs
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	seen := func(e error) bool {
		_, msg, _ := strings.Cut(e.Error(), ": ")
		for _, have := range errs {
			if _, m, _ := strings.Cut(have.Error(), ": "); m == msg {
				return true
			}
		}
		return false
	}
	for _, e := range list {
		if !seen(e) {
			errs = append(errs, e)
		}
	}
	return errs
}

// h2cOnly reports whether http:// origins speak HTTP/2 with prior
// knowledge: UnencryptedHTTP2 is in the set and HTTP1 is not, as with
// net/http's Transport.Protocols.
func (c *config) h2cOnly() bool {
	return c.has(UnencryptedHTTP2) && !c.has(HTTP1)
}

func (c *config) has(p Protocol) bool {
	for _, q := range c.protocols {
		if q == p {
			return true
		}
	}
	return false
}

// dialer, h1Config, h2Config and poolConfig split the options into the
// plain configs of the packages below the root.

func (c *config) dialer() *alpn.Dialer {
	d := &alpn.Dialer{
		DialContext:         c.dialContext,
		DialTimeout:         c.dialTimeout,
		TLSHandshakeTimeout: c.tlsHandshakeTimeout,
		TLSConfig:           c.tlsConfig,
		H2C:                 c.h2cOnly() || (c.cleartextProtocol != nil && c.has(UnencryptedHTTP2)),
		DialTLSContext:      c.dialTLSContext,
	}
	c.proxyConfig.setDialer(d)
	if c.has(HTTP2) {
		d.HTTPSProtocols = append(d.HTTPSProtocols, alpn.ProtoH2)
	}
	if c.has(HTTP1) {
		d.HTTPSProtocols = append(d.HTTPSProtocols, alpn.ProtoHTTP1)
	}
	return d
}

func (c *config) h1Config() *h1.Config {
	return &h1.Config{
		MaxResponseHeaderBytes: c.maxResponseHeader,
		ResponseHeaderTimeout:  c.responseHeaderTimeout,
		ExpectContinueTimeout:  c.expectContinueTimeout,
		DisableCompression:     c.disableCompression,
		UserAgent:              c.userAgent,
		WriteByteTimeout:       c.writeByteTimeout,
		Logger:                 c.logger,
		ReadBufferSize:         c.readBufferSize,
		WriteBufferSize:        c.writeBufferSize,
		DisableKeepAlives:      c.disableKeepAlives,
		BodyReadTimeout:        c.bodyReadTimeout,
	}
}

func (c *config) h2Config() *h2.Config {
	return &h2.Config{
		InitialStreamWindowSize: c.streamWindow,
		InitialConnWindowSize:   c.connWindow,
		MaxStreamWindowSize:     c.maxStreamWindow,
		DisableAdaptiveWindow:   c.fixedWindows,
		MaxReadFrameSize:        c.maxReadFrameSize,
		MaxHeaderListSize:       uint32(c.maxResponseHeader),
		ReadIdleTimeout:         c.readIdleTimeout,
		PingTimeout:             c.pingTimeout,
		ResponseHeaderTimeout:   c.responseHeaderTimeout,
		ExpectContinueTimeout:   c.expectContinueTimeout,
		DisableCompression:      c.disableCompression,
		UserAgent:               c.userAgent,
		FrameTrace:              c.frameTrace,
		WriteByteTimeout:        c.writeByteTimeout,
		Logger:                  c.logger,

		DisableKeepAlives:         c.disableKeepAlives,
		BodyReadTimeout:           c.bodyReadTimeout,
		MaxDecoderHeaderTableSize: c.maxDecoderHeaderTable,
		MaxEncoderHeaderTableSize: c.maxEncoderHeaderTable,
	}
}

func (c *config) backoff() retry.Backoff {
	return retry.Backoff{
		Base:     c.retryBase,
		Cap:      c.retryCap,
		MaxTries: c.maxRetries + 1,
		Jitter:   retryJitter,
	}
}

func (c *config) poolConfig(dial pool.DialFunc) pool.Config {
	pc := pool.Config{
		Dial:                       dial,
		MaxConnsPerHost:            c.maxConnsPerHost,
		MaxIdleConns:               c.maxIdleConns,
		MaxIdleConnsPerHost:        c.maxIdleConnsPerHost,
		IdleConnTimeout:            c.idleConnTimeout,
		StrictMaxConcurrentStreams: c.strictMaxStreams,
		RetryBudget:                c.retryBudget(),
		Logger:                     c.logger,
		Events:                     c.events,
	}
	c.rebalanceConfig.setPool(&pc)
	c.addrsConfig.setPool(&pc)
	return pc
}
