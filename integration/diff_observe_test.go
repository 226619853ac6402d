package integration

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"syscall"

	"golang.org/x/net/http2"

	"github.com/plexhttp/plex"
)

// observation is what a program can see of one exchange. Two clients
// match on a scenario when their observations are equal after
// comparable(): the fields after the blank line are kept for the failure
// message and for the checks of deliberate differences.
type observation struct {
	Proto         string
	Status        int
	Header        http.Header // Date removed
	ContentLength int64
	Uncompressed  bool
	Body          string // sha256 when longer than 256 bytes
	Trailer       http.Header
	Info          []int // 1xx status codes, in order
	Trace         []string
	Err           errClass // of the request, or of reading the body
	BodyErr       bool     // Err came from reading the body

	RawTrace       []string // Trace as fired
	ErrText        string
	MaybeProcessed bool // plex only: errors.Is(err, plex.ErrMaybeProcessed)
	ClientClosed   bool // plex only: errors.Is(err, plex.ErrClientClosed)
}

func (o observation) comparable() observation {
	o.RawTrace, o.ErrText, o.MaybeProcessed, o.ClientClosed = nil, "", false, false
	return o
}

// errClass is what error-handling code in the wild asks of an error: each
// field is one errors.As / errors.Is / type assertion.
type errClass struct {
	Failed bool
	// URLError: errors.As *url.Error (what http.Client.Do returns); URLOp
	// is its Op.
	URLError bool
	URLOp    string
	// URLErrIsCertError: url.Error.Err is a *tls.CertificateVerificationError
	// by plain type assertion, as go-retryablehttp's default policy asks
	// before deciding not to retry.
	URLErrIsCertError bool
	// Timeout: errors.As net.Error with Timeout(); TopTimeout: the error
	// itself asserted to net.Error says Timeout(), as most callers ask.
	Timeout, TopTimeout bool
	Canceled            bool // errors.Is context.Canceled
	DeadlineExceeded    bool // errors.Is context.DeadlineExceeded
	CertVerify          bool // errors.As *tls.CertificateVerificationError
	UnknownAuthority    bool // errors.As x509.UnknownAuthorityError
	Hostname            bool // errors.As x509.HostnameError
	OpError             string
	DNSNotFound         string // errors.As *net.DNSError: "notfound" or "other"
	ConnRefused         bool   // errors.Is syscall.ECONNREFUSED
	// StreamCode: errors.As x/net http2.StreamError (what connect-go and
	// grpc-go recognise), its code; PeerResetText: the text ends as
	// net/http's does for a reset from the peer ("...; CANCEL; received
	// from peer"), which connect-go also matches.
	StreamCode    string
	PeerResetText bool
	GoAway        bool // errors.As x/net http2.GoAwayError
	EOF           bool // errors.Is io.EOF or io.ErrUnexpectedEOF
	BodyReadError bool // errors.Is errDiffBodyRead
}

// errDiffBodyRead is what the failing request bodies return.
var errDiffBodyRead = errors.New("diff: request body read failed")

func classify(err error) errClass {
	if err == nil {
		return errClass{}
	}
	c := errClass{Failed: true}
	var ue *url.Error
	if errors.As(err, &ue) {
		c.URLError, c.URLOp = true, ue.Op
		_, c.URLErrIsCertError = ue.Err.(*tls.CertificateVerificationError)
	}
	var ne net.Error
	c.Timeout = errors.As(err, &ne) && ne.Timeout()
	if te, ok := err.(net.Error); ok {
		c.TopTimeout = te.Timeout()
	}
	c.Canceled = errors.Is(err, context.Canceled)
	c.DeadlineExceeded = errors.Is(err, context.DeadlineExceeded)
	var cve *tls.CertificateVerificationError
	c.CertVerify = errors.As(err, &cve)
	var uae x509.UnknownAuthorityError
	c.UnknownAuthority = errors.As(err, &uae)
	var he x509.HostnameError
	c.Hostname = errors.As(err, &he)
	var oe *net.OpError
	if errors.As(err, &oe) {
		c.OpError = oe.Op
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		c.DNSNotFound = "other"
		if de.IsNotFound {
			c.DNSNotFound = "notfound"
		}
	}
	c.ConnRefused = errors.Is(err, syscall.ECONNREFUSED)
	var se http2.StreamError
	if errors.As(err, &se) {
		c.StreamCode = se.Code.String()
		c.PeerResetText = strings.HasSuffix(err.Error(), "; "+se.Code.String()+"; received from peer")
	}
	var ge http2.GoAwayError
	c.GoAway = errors.As(err, &ge)
	c.EOF = errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	c.BodyReadError = errors.Is(err, errDiffBodyRead)
	return c
}

// observe fills an observation from the outcome of one exchange; read
// consumes the body (nil: read it in full) and returns what it saw.
func observe(resp *http.Response, err error, tr *eventLog, read func(*http.Response) (string, error)) observation {
	var o observation
	if err == nil {
		o.Proto, o.Status = resp.Proto, resp.StatusCode
		o.Header = resp.Header.Clone()
		o.Header.Del("Date")
		o.ContentLength, o.Uncompressed = resp.ContentLength, resp.Uncompressed
		if read == nil {
			read = readAll
		}
		var body string
		body, err = read(resp)
		resp.Body.Close()
		o.BodyErr = err != nil
		o.Body = body
		if len(body) > 256 {
			o.Body = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(body)))
		}
		if len(resp.Trailer) > 0 {
			o.Trailer = resp.Trailer.Clone()
		}
	}
	o.RawTrace = tr.take()
	o.Trace, o.Info = diffEvents(o.RawTrace)
	o.Err = classify(err)
	if err != nil {
		o.ErrText = err.Error()
		o.MaybeProcessed = errors.Is(err, plex.ErrMaybeProcessed)
		o.ClientClosed = errors.Is(err, plex.ErrClientClosed)
	}
	return o
}

func readAll(resp *http.Response) (string, error) {
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// differingFields names the fields, and the error class's fields, in which
// a and b differ, to say at a glance what a failing scenario is about.
func differingFields(a, b observation) []string {
	var out []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		name := va.Type().Field(i).Name
		if name == "Err" {
			ea, eb := reflect.ValueOf(a.Err), reflect.ValueOf(b.Err)
			for j := range ea.NumField() {
				if ea.Field(j).Interface() != eb.Field(j).Interface() {
					out = append(out, "Err."+ea.Type().Field(j).Name)
				}
			}
			continue
		}
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, name)
		}
	}
	return out
}
