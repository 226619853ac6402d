package h2

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/header"
)

// reqHeaders is a request checked and ready to encode. Computing it touches
// no connection state, so an invalid request fails before anything is sent
// and before the hpack encoder's state could be disturbed.
type reqHeaders struct {
	req        *http.Request
	authority  string
	method     string
	path       string // "" for CONNECT
	scheme     string
	trailers   string // the "trailer" header value
	bodyLen    int64  // -1 unknown
	hasBody    bool
	expect     bool // wait for 100 (Continue) before the body
	sendLen    bool
	addGzip    bool
	userAgent  string // default to add, "" if the request has its own
	listSize   uint64 // RFC 9113 §6.5.2 size of the encoded list
	hasTrailer bool
}

// connection-specific fields RFC 9113 §8.2.2 forbids; request values other
// than the harmless ones are refused, the rest dropped, as net/http does.
func checkConnHeaders(h http.Header) error {
	if vv := h["Upgrade"]; len(vv) > 0 && vv[0] != "" && vv[0] != "chunked" {
		return fmt.Errorf("h2: invalid Upgrade request header %q", vv)
	}
	if vv := h["Transfer-Encoding"]; len(vv) > 1 || len(vv) == 1 && vv[0] != "" && vv[0] != "chunked" {
		return fmt.Errorf("h2: invalid Transfer-Encoding request header %q", vv)
	}
	if vv := h["Connection"]; len(vv) > 1 || len(vv) == 1 && vv[0] != "" && !strings.EqualFold(vv[0], "close") && !strings.EqualFold(vv[0], "keep-alive") {
		return fmt.Errorf("h2: invalid Connection request header %q", vv)
	}
	// §8.2.2: TE may only carry "trailers".
	for _, v := range h["Te"] {
		if !strings.EqualFold(v, "trailers") {
			return fmt.Errorf("h2: invalid TE request header %q: only \"trailers\" is allowed", v)
		}
	}
	return nil
}

func checkFields(h http.Header, what string) error {
	switch k, badName, ok := header.Invalid(h); {
	case ok:
		return nil
	case badName:
		return fmt.Errorf("h2: invalid %s field name %q", what, k)
	default:
		// The value may be secret: name the field only.
		return fmt.Errorf("h2: invalid %s field value for %q (control character)", what, k)
	}
}

// checkTrailer checks request trailer fields: valid names and values, and
// none of the fields that may not be sent in a trailer at all.
func checkTrailer(h http.Header) error {
	if err := checkFields(h, "trailer"); err != nil {
		return err
	}
	if err := header.CheckTrailer(h); err != nil {
		return fmt.Errorf("h2: %w", err)
	}
	return nil
}

func isConnSpecific(lower string) bool {
	switch lower {
	case "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length":
		return true
	}
	return false
}

// prepareRequest validates req and computes what its header block holds.
func (cc *ClientConn) prepareRequest(req *http.Request) (reqHeaders, error) {
	rh := reqHeaders{req: req, method: req.Method}
	if req.URL == nil {
		return rh, errors.New("h2: request has no URL")
	}
	if rh.method == "" {
		rh.method = http.MethodGet
	}
	if !httpguts.ValidHeaderFieldName(rh.method) {
		return rh, fmt.Errorf("h2: invalid method %q", rh.method)
	}
	rh.authority = req.Host
	if rh.authority == "" {
		rh.authority = req.URL.Host
	}
	if rh.authority == "" || !httpguts.ValidHostHeader(rh.authority) {
		return rh, fmt.Errorf("h2: invalid request host %q", rh.authority)
	}
	if rh.method != http.MethodConnect {
		rh.scheme = req.URL.Scheme
		if rh.scheme == "" {
			return rh, errors.New("h2: request URL has no scheme")
		}
		rh.path = req.URL.RequestURI()
		if !strings.HasPrefix(rh.path, "/") && !(rh.path == "*" && rh.method == http.MethodOptions) {
			return rh, fmt.Errorf("h2: invalid request path %q", rh.path)
		}
		// The path is escaped; the raw query and an opaque URL are not.
		if i := header.BadTargetByte(rh.path); i >= 0 {
			return rh, fmt.Errorf("h2: invalid byte %#x in request target", rh.path[i])
		}
	}
	if err := checkFields(req.Header, "header"); err != nil {
		return rh, err
	}
	// A lower-case "host" or "te" would escape checkConnHeaders and the
	// writer's own handling of these fields; see header.MisspelledManaged.
	if k, canon := header.MisspelledManaged(req.Header); k != "" {
		return rh, fmt.Errorf("h2: request header key %q is not in canonical form: this client writes %q itself (set it with Header.Set, or through the Request's fields)", k, canon)
	}
	if err := checkTrailer(req.Trailer); err != nil {
		return rh, err
	}
	if err := checkConnHeaders(req.Header); err != nil {
		return rh, err
	}
	if len(req.Trailer) > 0 {
		keys := make([]string, 0, len(req.Trailer))
		for k := range req.Trailer {
			keys = append(keys, http.CanonicalHeaderKey(k))
		}
		slices.Sort(keys)
		rh.trailers = strings.Join(keys, ",")
		rh.hasTrailer = true
	}
	rh.hasBody = req.Body != nil && req.Body != http.NoBody
	rh.expect = rh.hasBody && cc.cfg.ExpectContinueTimeout > 0 &&
		httpguts.HeaderValuesContainsToken(req.Header["Expect"], "100-continue")
	switch {
	case !rh.hasBody:
		rh.bodyLen = 0
	case req.ContentLength != 0:
		rh.bodyLen = req.ContentLength
	default:
		rh.bodyLen = -1
	}
	rh.sendLen = rh.bodyLen > 0 || rh.bodyLen == 0 && (rh.method == "POST" || rh.method == "PUT" || rh.method == "PATCH")
	rh.addGzip = !cc.cfg.DisableCompression && header.Value(req.Header, "Accept-Encoding") == "" &&
		header.Value(req.Header, "Range") == "" && rh.method != http.MethodHead
	if _, ok := req.Header["User-Agent"]; !ok {
		rh.userAgent = cc.cfg.UserAgent
	}
	rh.forEach(func(name, value string) {
		rh.listSize += uint64(len(name) + len(value) + 32)
	})
	return rh, nil
}

// forEach calls f with every field of the request header block, in order.
func (rh *reqHeaders) forEach(f func(name, value string)) {
	f(":authority", rh.authority)
	f(":method", rh.method)
	if rh.path != "" {
		f(":path", rh.path)
		f(":scheme", rh.scheme)
	}
	if rh.trailers != "" {
		f("trailer", rh.trailers)
	}
	for k, vv := range rh.req.Header {
		name := lowerHeader(k)
		if isConnSpecific(name) {
			continue
		}
		if name == "user-agent" {
			// Like net/http: at most one, and an empty one means none.
			if len(vv) == 0 || vv[0] == "" {
				continue
			}
			vv = vv[:1]
		}
		if name == "cookie" {
			for _, v := range vv {
				splitCookies(v, func(pair string) { f(name, pair) })
			}
			continue
		}
		for _, v := range vv {
			f(name, v)
		}
	}
	if rh.sendLen {
		f("content-length", strconv.FormatInt(rh.bodyLen, 10))
	}
	if rh.addGzip {
		f("accept-encoding", "gzip")
	}
	if rh.userAgent != "" {
		f("user-agent", rh.userAgent)
	}
}

// splitCookies calls f for each cookie-pair of a Cookie header value: RFC
// 9113 §8.2.3 lets a client send them as separate fields, so a pair that
// does not change between requests is sent as a table index however its
// neighbours change. Empty pairs are dropped.
func splitCookies(v string, f func(pair string)) {
	for pair := range strings.SplitSeq(v, ";") {
		if pair = strings.Trim(pair, " \t"); pair != "" {
			f(pair)
		}
	}
}

// encodeHeadersLocked hpack-encodes the header block into w.hbuf. Needs w.mu.
// When seen is not nil, each field encoded is appended to it as a name and
// a value, in wire order, for the WroteHeaderField trace hook, which runs
// once the lock is released.
func (w *frameWriter) encodeHeadersLocked(rh *reqHeaders, seen *[]string) {
	w.hbuf.Reset()
	if seen == nil {
		rh.forEach(w.writeField)
		return
	}
	rh.forEach(func(name, value string) {
		w.writeField(name, value)
		*seen = append(*seen, name, value)
	})
}

func (w *frameWriter) writeField(name, value string) {
	// Writing into a bytes.Buffer cannot fail.
	_ = w.enc.WriteField(hpack.HeaderField{Name: name, Value: value})
}

// encodeTrailersLocked encodes the request trailers, checking values set
// while the body was being written.
func (w *frameWriter) encodeTrailersLocked(tr http.Header) error {
	if err := checkTrailer(tr); err != nil {
		return err
	}
	w.hbuf.Reset()
	for k, vv := range tr {
		name := lowerHeader(k)
		for _, v := range vv {
			w.writeField(name, v)
		}
	}
	return nil
}

// writeHeaderBlockLocked writes w.hbuf as HEADERS plus as many CONTINUATION
// frames as the peer's SETTINGS_MAX_FRAME_SIZE requires.
func (w *frameWriter) writeHeaderBlockLocked(id uint32, endStream bool, maxFrame uint32) {
	block := w.hbuf.Bytes()
	first := true
	for first || len(block) > 0 {
		chunk := block
		if uint32(len(chunk)) > maxFrame {
			chunk = chunk[:maxFrame]
		}
		block = block[len(chunk):]
		end := len(block) == 0
		if first {
			w.noteLocked(w.fr.WriteHeaders(headersParam(id, chunk, endStream, end)))
			if w.trace != nil {
				w.traceWriteLocked(frameHeaders, flagsOf(endStream, end), id, uint32(len(chunk)), "")
			}
			first = false
			continue
		}
		w.noteLocked(w.fr.WriteContinuation(id, end, chunk))
		if w.trace != nil {
			w.traceWriteLocked(frameContinuation, flagsOf(false, end), id, uint32(len(chunk)), "")
		}
	}
}

const (
	frameHeaders      = http2.FrameHeaders
	frameContinuation = http2.FrameContinuation
)

func headersParam(id uint32, frag []byte, endStream, endHeaders bool) http2.HeadersFrameParam {
	return http2.HeadersFrameParam{StreamID: id, BlockFragment: frag, EndStream: endStream, EndHeaders: endHeaders}
}

func flagsOf(endStream, endHeaders bool) http2.Flags {
	var f http2.Flags
	if endStream {
		f |= http2.FlagHeadersEndStream
	}
	if endHeaders {
		f |= http2.FlagHeadersEndHeaders
	}
	return f
}
