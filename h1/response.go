package h1

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"time"

	"github.com/plexhttp/plex/internal/gzipbody"
	"github.com/plexhttp/plex/internal/header"
)

var timeZero time.Time

var protos = [2]string{"HTTP/1.0", "HTTP/1.1"}

// readResponse parses one response (status line, header and body framing)
// from r for req, which may be nil (then a GET is assumed). A 1xx response
// is returned as it is, without body. maxHeaderBytes bounds the status line,
// header and trailer bytes; 0 or less means 1 MiB. The body reads from r,
// reports a truncated body as an error wrapping io.ErrUnexpectedEOF, and
// fills resp.Trailer at EOF.
func readResponse(r *bufio.Reader, req *http.Request, maxHeaderBytes int64) (*http.Response, error) {
	if maxHeaderBytes <= 0 {
		maxHeaderBytes = defaultMaxHeaderBytes
	}
	budget := maxHeaderBytes
	m, kind, n, err := parseResponse(r, &headParser{}, &budget, req)
	if err == io.EOF {
		err = readErr("reading response header", err)
	}
	if err != nil {
		return nil, err
	}
	b := &m.body
	b.br, b.budget = r, budget
	b.setup(&m.resp, kind, n, &headParser{})
	return &m.resp, nil
}

// inlineFields and inlineBytes are how many header fields, and how many
// bytes of values and uncommon names, a message holds without further
// allocations; typical responses need fewer.
const (
	inlineFields = 8
	inlineBytes  = 128
)

// message is a response with its body and header values, allocated as one
// object: the common small response then costs one allocation where it
// would cost four.
type message struct {
	resp http.Response
	body body
	vals [inlineFields]string
	text [inlineBytes]byte
}

// parseResponse reads a status line and header and decides the body
// framing. A clean io.EOF means not a single byte was there.
func parseResponse(br *bufio.Reader, p *headParser, budget *int64, req *http.Request) (*message, bodyKind, int64, error) {
	sl, err := p.parseStatusLine(br, budget)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := p.readFields(br, budget); err != nil {
		return nil, 0, 0, readErr("reading response header", err)
	}
	m := new(message)
	resp := &m.resp
	*resp = http.Response{
		Status:     sl.status,
		StatusCode: sl.code,
		Proto:      protos[sl.minor],
		ProtoMajor: 1,
		ProtoMinor: sl.minor,
		Header:     p.header(m.vals[:], m.text[:]),
		Request:    req,
	}
	method := http.MethodGet
	if req != nil && req.Method != "" {
		method = req.Method
	}
	kind, n, err := frame(resp, method)
	if err != nil {
		return nil, 0, 0, err
	}
	return m, kind, n, nil
}

// setup makes b the body of resp.
func (b *body) setup(resp *http.Response, kind bodyKind, n int64, p *headParser) {
	if kind == bodyNone {
		resp.Body = http.NoBody
		return
	}
	b.resp, b.kind, b.left = resp, kind, n
	if kind == bodyChunked {
		b.cr = chunkedReader{br: b.br, p: p, budget: &b.budget}
	}
	resp.Body = b
}

// exchange is the state of one RoundTrip on the caller's goroutine.
type exchange struct {
	req     *http.Request
	trace   *httptrace.ClientTrace
	pl      plan
	budget  int64 // header bytes left for this response (1xx included)
	n1xx    int
	gotByte bool      // the first response byte arrived
	start   time.Time // read just before writing began
	// msg is the response read last, whose body deliver fills in.
	msg *message
}

// readHead reads the next response head, firing GotFirstResponseByte
// once.
func (c *Conn) readHead(ex *exchange) (*http.Response, bodyKind, int64, error) {
	if !ex.gotByte {
		if _, err := c.br.Peek(1); err != nil {
			return nil, 0, 0, err
		}
		if err := c.failedBody(); err != nil {
			// An answer to a request cut short by its body (see carry):
			// the exchange already failed, and, as in net/http, no byte
			// of a response was had.
			return nil, 0, 0, err
		}
		ex.gotByte = true
		if ex.trace != nil && ex.trace.GotFirstResponseByte != nil {
			ex.trace.GotFirstResponseByte()
		}
	}
	m, kind, n, err := parseResponse(c.br, &c.parser, &ex.budget, ex.req)
	if err == io.EOF {
		err = readErr("reading response header", err)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	ex.msg = m
	return &m.resp, kind, n, nil
}

// informational handles a non-final 1xx response: it goes to the trace
// hooks and counts against the limit.
func (c *Conn) informational(ex *exchange, resp *http.Response) error {
	ex.n1xx++
	if ex.n1xx > max1xx {
		return perr("h1: more than %d informational (1xx) responses", max1xx)
	}
	if ex.trace != nil && ex.trace.Got1xxResponse != nil {
		return ex.trace.Got1xxResponse(resp.StatusCode, textproto.MIMEHeader(resp.Header))
	}
	return nil
}

// readFinal reads responses until a final one (or 101), passing 1xx ones to
// the trace.
func (c *Conn) readFinal(ex *exchange) (*http.Response, bodyKind, int64, error) {
	for {
		resp, kind, n, err := c.readHead(ex)
		if err != nil {
			return nil, 0, 0, err
		}
		if resp.StatusCode/100 != 1 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, kind, n, nil
		}
		if err := c.informational(ex, resp); err != nil {
			return nil, 0, 0, err
		}
	}
}

// deliver finishes a final response: its body, transparent gzip, and what
// it says about the connection's future.
func (c *Conn) deliver(ex *exchange, resp *http.Response, kind bodyKind, n int64) *http.Response {
	resp.TLS = c.opts.TLS
	c.mu.Lock()
	c.awaitingHeader = false
	if c.headerTimer {
		c.headerTimer = false
		c.nc.SetReadDeadline(timeZero)
	}
	if resp.Close {
		c.keepAlive = false
		if c.err == nil {
			c.err = errRespClose
		}
	}
	c.mu.Unlock()

	if resp.StatusCode == http.StatusSwitchingProtocols {
		resp.Body = c.switchProtocols()
		return resp
	}
	if kind == bodyNone {
		resp.Body = http.NoBody
		c.exchangeDone(true)
		return resp
	}
	var b *body
	if ex.msg != nil && &ex.msg.resp == resp {
		b = &ex.msg.body
	} else {
		b = new(body)
	}
	b.c, b.br, b.budget = c, c.br, ex.budget
	b.setup(resp, kind, n, &c.parser)
	c.rd.armed = c.cfg.BodyReadTimeout > 0
	if ex.pl.gzip && strings.EqualFold(header.Value(resp.Header, "Content-Encoding"), "gzip") {
		resp.Body = gzipbody.New(b, "h1", errBodyClosed)
		delete(resp.Header, "Content-Encoding")
		delete(resp.Header, "Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp
}
