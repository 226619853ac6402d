package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrALPN is matched by every *ALPNError, for callers that only need to know
// that protocol negotiation failed: errors.Is(err, alpn.ErrALPN).
var ErrALPN = errors.New("alpn: no usable protocol negotiated")

// ALPNError reports that a server did not select a protocol the Dialer can
// use: for instance HTTP/2 only was offered and the server chose http/1.1,
// chose nothing, or refused the handshake for want of a common protocol.
// Retrying the same origin with the same offer fails the same way; offer
// HTTP/1.1 as well to fall back to it.
type ALPNError struct {
	// Offered is the ALPN list the client sent.
	Offered []string
	// Selected is what the server chose; empty when it chose nothing.
	Selected string
	// Addr is the origin address.
	Addr string
	// Err is the handshake error when the server aborted the handshake
	// (TLS alert no_application_protocol); nil when it completed.
	Err error
}

func (e *ALPNError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("alpn: %s refused every offered protocol %q: %v", e.Addr, e.Offered, e.Err)
	case e.Selected == "":
		return fmt.Sprintf("alpn: %s selected no protocol; offered %q", e.Addr, e.Offered)
	default:
		return fmt.Sprintf("alpn: %s selected unusable protocol %q; offered %q", e.Addr, e.Selected, e.Offered)
	}
}

// Unwrap returns the handshake error, if any.
func (e *ALPNError) Unwrap() error { return e.Err }

// Is reports whether target is ErrALPN.
func (e *ALPNError) Is(target error) bool { return target == ErrALPN }

// ProxyConnectError reports that a proxy answered CONNECT with a status
// other than 2xx, e.g. 407 when Target.Proxy lacks valid credentials.
//
// A 407 carries the proxy's challenge in Header ("Proxy-Authenticate"),
// so a scheme other than Basic can be answered: compute the credential
// from the challenge, return it as Proxy-Authorization from
// Dialer.GetProxyConnectHeader, and dial again. The next dial is a new
// connection, so schemes bound to one connection (NTLM) cannot complete
// this way; Digest and Negotiate (Kerberos) can.
type ProxyConnectError struct {
	// Proxy is the proxy's host:port.
	Proxy string
	// Target is the host:port the tunnel was asked for.
	Target string
	// StatusCode and Status are the proxy's reply ("407",
	// "407 Proxy Authentication Required").
	StatusCode int
	Status     string
	// Header is the reply's header section, Proxy-Authenticate included.
	Header http.Header
	// Body is the start of the reply's body, at most MaxProxyErrorBody
	// bytes; a body that runs until the proxy closes the connection holds
	// only what had arrived with the header section.
	Body []byte
}

func (e *ProxyConnectError) Error() string {
	return fmt.Sprintf("alpn: proxy %s refused CONNECT to %s: %s", e.Proxy, e.Target, e.Status)
}

// ErrTLSHandshakeTimeout is matched (errors.Is) by a Dial error when a TLS
// handshake, with the origin or with an https proxy, took longer than
// Dialer.TLSHandshakeTimeout. Such an error is a net.Error whose Timeout
// is true, as net/http's "TLS handshake timeout" is; it matches
// context.DeadlineExceeded only if the caller's own context expired too.
var ErrTLSHandshakeTimeout error = &handshakeTimeoutError{}

// handshakeTimeoutError is a TLS handshake that ran out of
// TLSHandshakeTimeout; after is that timeout, zero in the sentinel.
type handshakeTimeoutError struct{ after time.Duration }

func (e *handshakeTimeoutError) Error() string {
	if e.after > 0 {
		return "TLS handshake timeout after " + e.after.String()
	}
	return "TLS handshake timeout"
}

func (e *handshakeTimeoutError) Timeout() bool   { return true }
func (e *handshakeTimeoutError) Temporary() bool { return true }

// Is makes every handshake timeout match ErrTLSHandshakeTimeout.
func (e *handshakeTimeoutError) Is(target error) bool { return target == ErrTLSHandshakeTimeout }

// opError is a failed dialing step. It is a net.Error so callers can test
// Timeout without knowing which layer timed out.
type opError struct {
	step   string // what was being done, with its address: "dial example.com:443"
	err    error
	ctxErr error // the context's error when the context ended the step and err does not say so
}

// stepError wraps err, the failure of step on addr. When ctx has ended, the
// context error is attached so errors.Is(err, ctx.Err()) holds whatever the
// lower layer returned (a closed conn, an expired deadline).
func stepError(ctx context.Context, step, addr string, err error) error {
	return &opError{step: step + " " + addr, err: err, ctxErr: unsaidContextError(ctx, err)}
}

// unsaidContextError returns ctx's error if ctx has ended and err does not
// match it, nil otherwise.
func unsaidContextError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return cerr
	}
	return nil
}

// withContextError returns oe, or, when ctx has ended and oe does not say
// so (net's dial may report its own deadline rather than the context's), a
// copy whose cause matches the context's error as well: the caller keeps a
// *net.OpError with the same text, and errors.Is(err, ctx.Err()) holds.
func withContextError(ctx context.Context, oe *net.OpError) error {
	cerr := unsaidContextError(ctx, oe)
	if cerr == nil {
		return oe
	}
	c := *oe
	c.Err = &contextCause{err: oe.Err, ctxErr: cerr}
	return &c
}

// contextCause is a lower error that the context's end explains: it reads
// as the lower error and matches both.
type contextCause struct{ err, ctxErr error }

func (e *contextCause) Error() string   { return e.err.Error() }
func (e *contextCause) Unwrap() []error { return []error{e.err, e.ctxErr} }

// Timeout is true when either the lower layer or the context's deadline
// timed out.
func (e *contextCause) Timeout() bool {
	var ne net.Error
	return errors.Is(e.ctxErr, context.DeadlineExceeded) || errors.As(e.err, &ne) && ne.Timeout()
}

// Temporary is false, as for opError.
func (e *contextCause) Temporary() bool { return false }

// certificateError returns the *tls.CertificateVerificationError that err,
// a failed handshake, holds as it came from crypto/tls, or nil. net/http
// hands the caller that very value, and programs written for it
// type-assert it on url.Error.Err (retry policies give up on a certificate
// failure that way), so the origin's handshake returns it unwrapped. A
// wrapping that adds the context's error is kept, since the bare error
// would not say the context ended.
func certificateError(err error) error {
	oe, ok := err.(*opError)
	if !ok || oe.ctxErr != nil {
		return nil
	}
	if cve, ok := oe.err.(*tls.CertificateVerificationError); ok {
		return cve
	}
	return nil
}

func (e *opError) Error() string {
	if e.ctxErr != nil {
		return "alpn: " + e.step + ": " + e.ctxErr.Error() + ": " + e.err.Error()
	}
	return "alpn: " + e.step + ": " + e.err.Error()
}

func (e *opError) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{e.ctxErr, e.err}
	}
	return []error{e.err}
}

// Timeout reports whether the step ran out of time: the context deadline
// (DialTimeout or the caller's), TLSHandshakeTimeout, or a lower layer's.
func (e *opError) Timeout() bool {
	if e.ctxErr != nil {
		return errors.Is(e.ctxErr, context.DeadlineExceeded)
	}
	var ne net.Error
	return errors.As(e.err, &ne) && ne.Timeout()
}

// Temporary is false: a failed dial is retried by dialing again, not by
// repeating a call on this error's connection.
func (e *opError) Temporary() bool { return false }
