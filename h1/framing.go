package h1

import (
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/plexhttp/plex/internal/header"
)

// bodyKind is how the end of a response body is found (RFC 9112 section 6.3).
type bodyKind uint8

const (
	bodyNone       bodyKind = iota // HEAD, 1xx, 204, 304, or Content-Length: 0
	bodyLength                     // Content-Length bytes
	bodyChunked                    // chunked transfer coding
	bodyUntilClose                 // everything until the server closes
)

// frame decides how the body of resp is delimited, filling ContentLength,
// TransferEncoding, Close and the declared Trailer keys the way net/http
// does. It is stricter than net/http: a response with both Content-Length
// and Transfer-Encoding, or with a transfer coding other than chunked, is an
// error (RFC 9112 section 6.1 calls the former a likely smuggling attempt).
func frame(resp *http.Response, method string) (kind bodyKind, length int64, err error) {
	h := resp.Header
	resp.Close = shouldClose(resp.ProtoMinor, h)
	cl, hasCL, err := contentLength(h["Content-Length"])
	if err != nil {
		return 0, 0, err
	}
	if vals := h["Content-Length"]; len(vals) > 1 {
		h["Content-Length"] = vals[:1] // identical duplicates, folded as net/http does
	}
	te, hasTE := h["Transfer-Encoding"]
	if hasTE {
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return 0, 0, perr("h1: unsupported transfer-encoding %q", strings.Join(te, ", "))
		}
		if hasCL {
			return 0, 0, perr("h1: response has both Content-Length and Transfer-Encoding")
		}
		if resp.ProtoMinor == 0 {
			return 0, 0, perr("h1: HTTP/1.0 response with Transfer-Encoding")
		}
		delete(h, "Transfer-Encoding")
		resp.TransferEncoding = []string{"chunked"}
		if err := declareTrailer(resp); err != nil {
			return 0, 0, err
		}
	}
	code := resp.StatusCode
	switch {
	case method == http.MethodHead:
		resp.ContentLength = -1
		if hasCL {
			resp.ContentLength = cl
		}
		return bodyNone, 0, nil
	case code/100 == 1 || code == http.StatusNoContent || code == http.StatusNotModified:
		resp.ContentLength = 0
		return bodyNone, 0, nil
	case hasTE:
		resp.ContentLength = -1
		return bodyChunked, 0, nil
	case hasCL:
		resp.ContentLength = cl
		if cl == 0 {
			return bodyNone, 0, nil
		}
		return bodyLength, cl, nil
	default:
		resp.ContentLength = -1
		resp.Close = true
		return bodyUntilClose, 0, nil
	}
}

// shouldClose reports whether the response ends the connection's life:
// "Connection: close", or HTTP/1.0 without "Connection: keep-alive". Like
// net/http, it drops the Connection field of an HTTP/1.1 response that says
// close: resp.Close carries that.
func shouldClose(minor int, h http.Header) bool {
	conn := h["Connection"]
	hasClose := httpguts.HeaderValuesContainsToken(conn, "close")
	if minor == 0 {
		return hasClose || !httpguts.HeaderValuesContainsToken(conn, "keep-alive")
	}
	if hasClose {
		delete(h, "Connection")
	}
	return hasClose
}

// contentLength parses the Content-Length values by the rule both protocols
// share.
func contentLength(vals []string) (int64, bool, error) {
	n, ok, err := header.ContentLength(vals)
	if err != nil {
		return 0, false, perr("h1: %v", err)
	}
	return n, ok, nil
}

// declareTrailer moves the Trailer header into resp.Trailer keys with nil
// values, by the rule both protocols share.
func declareTrailer(resp *http.Response) error {
	if err := header.DeclareTrailers(resp, http.CanonicalHeaderKey); err != nil {
		return perr("h1: %v", err)
	}
	return nil
}
