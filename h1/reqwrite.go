package h1

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/plexhttp/plex/internal/header"
)

// plan is what RoundTrip decided about a request before writing a byte.
type plan struct {
	method   string
	host     string // Host header value, punycoded and without IPv6 zone
	path     string // escaped path ("" when the target comes from RequestURI)
	hasBody  bool
	length   int64 // body bytes when known; -1 when chunked
	chunked  bool
	trailer  bool // chunked with req.Trailer keys
	sendCL0  bool // no body, but "Content-Length: 0" is expected
	gzip     bool // this connection adds Accept-Encoding: gzip
	expect   bool // wait for 100 Continue before the body
	closeHdr bool // write "Connection: close"
	close    bool // the request ends the connection's life
}

// makePlan validates req and decides how to frame it. Every check that can
// fail happens here, so an invalid request never puts a byte on the wire.
func (c *Conn) makePlan(req *http.Request, pl *plan) error {
	if req.URL == nil {
		return errors.New("h1: request has no URL")
	}
	pl.method = req.Method
	if pl.method == "" {
		pl.method = http.MethodGet
	}
	if !isToken([]byte(pl.method)) {
		return fmt.Errorf("h1: invalid method %q", pl.method)
	}
	if err := c.planHost(req, pl); err != nil {
		return err
	}
	if err := planTarget(req, pl); err != nil {
		return err
	}
	if err := validHeader(req.Header, "header"); err != nil {
		return err
	}
	if k, canon := header.MisspelledManaged(req.Header); k != "" {
		return fmt.Errorf("h1: request header key %q is not in canonical form: this client writes %q itself (set it with Header.Set, or through the Request's fields)", k, canon)
	}
	if err := validTrailer(req.Trailer); err != nil {
		return err
	}
	if c.opts.ForwardProxy {
		if err := validHeader(c.opts.ProxyHeader, "proxy header"); err != nil {
			return err
		}
	}
	if err := planBody(req, pl); err != nil {
		return err
	}
	h := req.Header
	pl.gzip = !c.cfg.DisableCompression && len(h["Accept-Encoding"]) == 0 &&
		len(h["Range"]) == 0 && pl.method != http.MethodHead
	pl.expect = pl.hasBody && c.cfg.ExpectContinueTimeout > 0 &&
		httpguts.HeaderValuesContainsToken(h["Expect"], "100-continue")
	hasCloseToken := httpguts.HeaderValuesContainsToken(h["Connection"], "close")
	// Without keep-alives every exchange ends its connection and says so,
	// unless it asks to switch protocols: its Connection header must name
	// the upgrade, and the connection then belongs to the application.
	oneShot := c.cfg.DisableKeepAlives &&
		!httpguts.HeaderValuesContainsToken(h["Connection"], "upgrade")
	pl.closeHdr = (req.Close || oneShot) && !hasCloseToken
	pl.close = req.Close || hasCloseToken || c.cfg.DisableKeepAlives
	return nil
}

func (c *Conn) planHost(req *http.Request, pl *plan) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if host == "" {
		return errors.New("h1: no Host in request URL")
	}
	host, err := httpguts.PunycodeHostPort(host)
	if err != nil {
		return fmt.Errorf("h1: invalid Host %q: %w", host, err)
	}
	if !httpguts.ValidHostHeader(host) {
		return fmt.Errorf("h1: invalid Host %q", host)
	}
	// RFC 6874: a zone identifier must not leave this host.
	if strings.HasPrefix(host, "[") {
		if i := strings.LastIndex(host, "]"); i > 0 {
			if z := strings.LastIndex(host[:i], "%"); z > 0 {
				host = host[:z] + host[i:]
			}
		}
	}
	pl.host = host
	return nil
}

func planTarget(req *http.Request, pl *plan) error {
	u := req.URL
	if u.Opaque == "" {
		pl.path = u.EscapedPath()
		if pl.path == "" {
			pl.path = "/"
		}
	}
	for _, s := range [...]string{pl.path, u.RawQuery, u.Opaque} {
		if i := header.BadTargetByte(s); i >= 0 {
			return fmt.Errorf("h1: invalid byte %#x in request target", s[i])
		}
	}
	return nil
}

func validHeader(h http.Header, what string) error {
	switch k, badName, ok := header.Invalid(h); {
	case ok:
		return nil
	case badName:
		return fmt.Errorf("h1: invalid %s name %q", what, k)
	default:
		return fmt.Errorf("h1: invalid %s value for %q", what, k)
	}
}

// validTrailer checks request trailer fields: valid names and values, and
// none of the fields that may not be sent in a trailer at all.
func validTrailer(h http.Header) error {
	if err := validHeader(h, "trailer"); err != nil {
		return err
	}
	if err := header.CheckTrailer(h); err != nil {
		return fmt.Errorf("h1: %w", err)
	}
	return nil
}

// planBody mirrors net/http's request framing: a known positive length is
// sent with Content-Length, an unknown one (ContentLength 0 or -1 with a
// body other than http.NoBody) chunked; POST, PUT and PATCH without a body
// still say "Content-Length: 0".
func planBody(req *http.Request, pl *plan) error {
	pl.hasBody = req.Body != nil && req.Body != http.NoBody
	if req.Body == nil && req.ContentLength != 0 {
		return fmt.Errorf("h1: request ContentLength=%d with nil Body", req.ContentLength)
	}
	te := ""
	switch len(req.TransferEncoding) {
	case 0:
	case 1:
		te = strings.ToLower(req.TransferEncoding[0])
		if te != "chunked" && te != "identity" {
			return fmt.Errorf("h1: unsupported request transfer-encoding %q", req.TransferEncoding[0])
		}
	default:
		return fmt.Errorf("h1: unsupported request transfer-encoding %q", req.TransferEncoding)
	}
	if !pl.hasBody {
		switch pl.method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			pl.sendCL0 = true
		case http.MethodGet, http.MethodHead:
		default:
			pl.sendCL0 = te == "identity"
		}
		return nil
	}
	pl.length = req.ContentLength
	if pl.length <= 0 || te == "chunked" {
		pl.length = -1
		pl.chunked = true
		pl.trailer = len(req.Trailer) > 0
	}
	return nil
}

// reqWriteExclude lists the header keys the writer produces itself.
func reqWriteExclude(k string) bool {
	switch k {
	case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
		return true
	}
	return false
}

// writeHeader writes the request line and header into bw (unflushed) in a
// fixed order, with the request's own fields sorted by key, so the bytes
// are deterministic. A bufio.Writer keeps its first error, so the flush
// that follows reports any failure here.
func (c *Conn) writeHeader(req *http.Request, pl *plan, trace *httptrace.ClientTrace) {
	bw := c.bw
	bw.WriteString(pl.method)
	bw.WriteByte(' ')
	u := req.URL
	switch {
	case c.opts.ForwardProxy && u.Scheme != "" && u.Opaque == "":
		bw.WriteString(u.Scheme)
		bw.WriteString("://")
		bw.WriteString(pl.host)
		bw.WriteString(pl.path)
		c.writeQuery(u.RawQuery, u.ForceQuery)
	case pl.method == http.MethodConnect && u.Path == "":
		if u.Opaque != "" {
			bw.WriteString(u.Opaque)
		} else {
			bw.WriteString(pl.host)
		}
	case u.Opaque != "":
		bw.WriteString(u.RequestURI())
	default:
		bw.WriteString(pl.path)
		c.writeQuery(u.RawQuery, u.ForceQuery)
	}
	bw.WriteString(" HTTP/1.1\r\n")

	wrote := func(k, v string) {}
	if trace != nil && trace.WroteHeaderField != nil {
		wrote = func(k, v string) { trace.WroteHeaderField(k, []string{v}) }
	}
	c.field("Host", pl.host)
	wrote("Host", pl.host)
	ua := c.cfg.userAgent()
	if vv, ok := req.Header["User-Agent"]; ok {
		ua = ""
		if len(vv) > 0 {
			ua = vv[0]
		}
	}
	if ua != "" {
		c.field("User-Agent", ua)
		wrote("User-Agent", ua)
	}
	if pl.closeHdr {
		c.field("Connection", "close")
		wrote("Connection", "close")
	}
	switch {
	case pl.chunked:
		c.field("Transfer-Encoding", "chunked")
		wrote("Transfer-Encoding", "chunked")
	case pl.hasBody || pl.sendCL0:
		n := max(pl.length, 0)
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), n, 10))
		bw.WriteString("\r\n")
		if trace != nil && trace.WroteHeaderField != nil {
			wrote("Content-Length", strconv.FormatInt(n, 10))
		}
	}
	if pl.trailer {
		keys := c.sortedKeys(req.Trailer)
		bw.WriteString("Trailer: ")
		for i, k := range keys {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString(k)
		}
		bw.WriteString("\r\n")
		if trace != nil && trace.WroteHeaderField != nil {
			wrote("Trailer", strings.Join(keys, ","))
		}
	}
	c.writeFields(req.Header, trace)
	if pl.gzip {
		c.field("Accept-Encoding", "gzip")
		wrote("Accept-Encoding", "gzip")
	}
	if c.opts.ForwardProxy {
		c.writeFields(c.opts.ProxyHeader, trace)
	}
	bw.WriteString("\r\n")
}

func (c *Conn) writeQuery(raw string, force bool) {
	if raw != "" || force {
		c.bw.WriteByte('?')
		c.bw.WriteString(raw)
	}
}

func (c *Conn) field(k, v string) {
	if len(k)+len(v)+4 <= c.bw.Available() {
		// One append into the buffer's free space instead of four
		// WriteString calls: header lines are most of a request.
		b := c.bw.AvailableBuffer()
		b = append(append(append(append(b, k...), ": "...), v...), "\r\n"...)
		c.bw.Write(b)
		return
	}
	c.bw.WriteString(k)
	c.bw.WriteString(": ")
	c.bw.WriteString(v)
	c.bw.WriteString("\r\n")
}

// writeFields writes h sorted by key, skipping the fields the writer owns.
func (c *Conn) writeFields(h http.Header, trace *httptrace.ClientTrace) {
	for _, k := range c.sortedKeys(h) {
		if reqWriteExclude(k) {
			continue
		}
		vv := h[k]
		for _, v := range vv {
			c.field(k, strings.TrimSpace(v))
		}
		if trace != nil && trace.WroteHeaderField != nil {
			trace.WroteHeaderField(k, vv)
		}
	}
}

// sortedKeys returns h's keys sorted, in a scratch slice reused per call.
func (c *Conn) sortedKeys(h http.Header) []string {
	c.keys = c.keys[:0]
	for k := range h {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys)
	return c.keys
}
