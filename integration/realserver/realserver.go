// Package realserver starts real HTTP servers for plex's interoperability
// tests: nginx, nghttpd, h2o, Apache httpd, Caddy and HAProxy from Debian's
// packages, and Go's own net/http server. Each runs on 127.0.0.1 with
// ephemeral ports, generated certificates and a configuration written into
// a directory the caller owns, as a foreground child process that Stop ends.
//
// Every server serves the same content (see Files) at the same paths, so
// tests can be written once and run against all of them:
//
//	GET  /small.txt, /64k.bin, /1m.bin, /16m.bin   the files of Files
//	GET  /missing                                  404
//	GET  /bigheaders.txt                            200 with BigHeaders set
//	POST or PUT /sum                                "<length> <sha256 hex>" of the body
//
// Servers that cannot do one of these say so in their Caps.
package realserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/plexhttp/plex/internal/testcert"
)

// Kind names a server implementation.
type Kind string

// The servers this package can start.
const (
	Go      Kind = "go"
	Nginx   Kind = "nginx"
	Nghttpd Kind = "nghttpd"
	H2O     Kind = "h2o"
	Apache  Kind = "apache"
	Caddy   Kind = "caddy"
	HAProxy Kind = "haproxy"
)

// Kinds lists every server, in the order the matrix shows them.
var Kinds = []Kind{Go, Nginx, Nghttpd, H2O, Apache, Caddy, HAProxy}

// Proto is one way of speaking to a server.
type Proto string

// The protocols a server may offer.
const (
	H2    Proto = "h2"     // HTTP/2 over TLS, chosen by ALPN
	H1TLS Proto = "h1-tls" // HTTP/1.1 over TLS
	H2C   Proto = "h2c"    // HTTP/2 with prior knowledge over cleartext
	H1    Proto = "h1"     // HTTP/1.1 over cleartext
)

// Protos lists every protocol, in the order the matrix shows them.
var Protos = []Proto{H2, H1TLS, H2C, H1}

// ErrNotInstalled is matched by Start's error when the server's program is
// not on this machine; scripts/test installs the Debian packages.
var ErrNotInstalled = errors.New("realserver: server not installed")

// UploadKind says how a server answers POST and PUT /sum.
type UploadKind int

const (
	// UploadDigest: the server (or Go's server behind it as an upstream)
	// answers with the received length and sha256.
	UploadDigest UploadKind = iota + 1
	// UploadEcho: the server answers with the body it received (nghttpd's
	// --echo-upload).
	UploadEcho
)

// Caps are what a started server can be tested for.
type Caps struct {
	Protos []Proto
	Upload UploadKind
	// Upstream is true when POST/PUT /sum are carried to Go's server
	// behind this one rather than answered by it.
	Upstream bool
	// BigHeaders is true when GET /bigheaders.txt carries BigHeaders.
	BigHeaders bool
	// IdleTimeout is the configured keep-alive timeout after which the
	// server closes an idle connection; zero means it never does.
	IdleTimeout time.Duration
	// HTTP1IdleTimeout, when set, replaces IdleTimeout for HTTP/1.1: h2o
	// bounds a whole HTTP/1.1 request, body included, by its keep-alive
	// timeout, so it gets a longer one to let large uploads finish.
	HTTP1IdleTimeout time.Duration
	// Reload is true when Reload restarts the server gracefully.
	Reload bool
	// EarlyUploadAnswer is true when POST /small.txt is answered without
	// reading the body (a 405 from a static handler, or a fixed answer).
	EarlyUploadAnswer bool
	// MaxRequestHeaderBytes is the largest single request header field the
	// server accepts, as configured or documented.
	MaxRequestHeaderBytes int
	// Upgrade is true when requests for UpgradePath that switch protocols
	// are relayed (see UpgradePath and Options.UpgradeUpstream).
	Upgrade bool
}

// Options configure Start.
type Options struct {
	// Dir holds the configuration, document root, logs, pid and temporary
	// files. It must exist; the caller removes it.
	Dir string
	// Certs is the certificate the TLS listeners present.
	Certs *testcert.Certs
	// IdleTimeout is the keep-alive timeout to configure (servers round it
	// up to whole seconds where their syntax needs it). Zero means 1s.
	IdleTimeout time.Duration
	// UpgradeUpstream is the host:port of a cleartext HTTP/1.1 server to
	// which servers with Caps.Upgrade relay requests for UpgradePath (a
	// WebSocket server, say). Empty means Go's upstream and its echo.
	UpgradeUpstream string
}

// DefaultCerts returns the certificates tests share (see Options.Certs),
// for callers outside this module, which cannot name the type.
func DefaultCerts() (*testcert.Certs, error) { return testcert.Default() }

// Server is one started server. Its methods are safe for concurrent use.
type Server struct {
	Kind    Kind
	Version string
	Caps    Caps
	// addrs holds the host:port of each protocol the server offers.
	addrs map[Proto]string
	// HTTP1OnlyTLSAddr is a TLS listener whose ALPN offers only
	// "http/1.1"; NoALPNTLSAddr one that negotiates no ALPN protocol.
	// Empty when the server has none.
	HTTP1OnlyTLSAddr, NoALPNTLSAddr string

	certs  *testcert.Certs
	reload func(ctx context.Context) error
	stop   func() error
}

// Start starts a server of kind k and waits, up to ctx's deadline, until
// every listener accepts connections.
func Start(ctx context.Context, k Kind, o Options) (*Server, error) {
	if o.Dir == "" || o.Certs == nil {
		return nil, errors.New("realserver: options need a directory and certificates")
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = time.Second
	}
	start, ok := starters[k]
	if !ok {
		return nil, fmt.Errorf("realserver: unknown server kind %q", k)
	}
	s, err := start(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("realserver: start %s: %w", k, err)
	}
	s.Kind, s.certs = k, o.Certs
	return s, nil
}

var starters = map[Kind]func(context.Context, Options) (*Server, error){
	Go:      startGo,
	Nginx:   startNginx,
	Nghttpd: startNghttpd,
	H2O:     startH2O,
	Apache:  startApache,
	Caddy:   startCaddy,
	HAProxy: startHAProxy,
}

// URL returns the base URL ("https://127.0.0.1:port") for p, and false when
// the server does not offer p.
func (s *Server) URL(p Proto) (string, bool) {
	a, ok := s.addrs[p]
	if !ok {
		return "", false
	}
	if p == H2 || p == H1TLS {
		return "https://" + a, true
	}
	return "http://" + a, true
}

// ClientTLS returns a TLS configuration that trusts the server.
func (s *Server) ClientTLS() *tls.Config { return s.certs.ClientTLS() }

// Reload restarts the server gracefully: it keeps its listeners, finishes
// requests in flight and tells clients of existing connections to go
// elsewhere (GOAWAY on HTTP/2, Connection: close or an idle close on
// HTTP/1.1).
func (s *Server) Reload(ctx context.Context) error {
	if s.reload == nil {
		return fmt.Errorf("realserver: %s cannot reload", s.Kind)
	}
	if err := s.reload(ctx); err != nil {
		return fmt.Errorf("realserver: reload %s: %w", s.Kind, err)
	}
	return nil
}

// IdleTimeoutFor is the keep-alive timeout the server applies to p.
func (c Caps) IdleTimeoutFor(p Proto) time.Duration {
	if (p == H1 || p == H1TLS) && c.HTTP1IdleTimeout != 0 {
		return c.HTTP1IdleTimeout
	}
	return c.IdleTimeout
}

// Stop ends the server and every process it started, and waits for them.
func (s *Server) Stop() error { return s.stop() }

// lookPath finds a server's program, wrapping ErrNotInstalled.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin/", "/usr/bin/", "/sbin/"} {
			if p2, err2 := exec.LookPath(dir + name); err2 == nil {
				return p2, nil
			}
		}
		return "", fmt.Errorf("%w: %s not found (scripts/test installs it)", ErrNotInstalled, name)
	}
	return p, nil
}
