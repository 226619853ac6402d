package header

import (
	"fmt"
	"net/http"
	"sort"
)

// ForbiddenTrailer reports whether a field named name (in any case) may not
// be sent in a trailer section. RFC 9110 section 6.5.1 forbids there the
// fields that frame the message (Content-Length, Transfer-Encoding,
// Trailer), route it (Host), modify the request (conditionals, Range,
// Expect, Max-Forwards, TE), authenticate (Authorization, cookies), manage
// the connection, or say how to process the content (Content-Encoding,
// Content-Type, Content-Range): a recipient that merged such a field into
// the header after the content was framed and dispatched would act on it
// too late, or inconsistently with another recipient. The set holds at
// least what net/http and x/net/http2 refuse or drop in trailers.
func ForbiddenTrailer(name string) bool {
	_, bad := forbiddenTrailers[http.CanonicalHeaderKey(name)]
	return bad
}

var forbiddenTrailers = map[string]struct{}{
	// framing
	"Content-Length": {}, "Transfer-Encoding": {}, "Trailer": {},
	// routing and request modifiers
	"Host": {}, "Expect": {}, "Max-Forwards": {}, "Range": {}, "Te": {},
	"If-Match": {}, "If-None-Match": {}, "If-Modified-Since": {},
	"If-Unmodified-Since": {}, "If-Range": {}, "Cache-Control": {}, "Pragma": {},
	// authentication
	"Authorization": {}, "Proxy-Authorization": {}, "Proxy-Authenticate": {},
	"Www-Authenticate": {}, "Realm": {}, "Cookie": {}, "Set-Cookie": {},
	// connection management
	"Connection": {}, "Keep-Alive": {}, "Proxy-Connection": {}, "Upgrade": {},
	// processing the content
	"Content-Encoding": {}, "Content-Type": {}, "Content-Range": {},
}

// ForbiddenTrailerIn returns the first key of tr, in sorted order so the
// error is the same on every run, that ForbiddenTrailer refuses; "" if
// none.
func ForbiddenTrailerIn(tr http.Header) string {
	var bad []string
	for k := range tr {
		if ForbiddenTrailer(k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	sort.Strings(bad)
	return bad[0]
}

// CheckTrailer is the request rule both protocols apply before sending
// trailers: an error naming the first field of tr that may not be sent in
// a trailer section, or nil.
func CheckTrailer(tr http.Header) error {
	if k := ForbiddenTrailerIn(tr); k != "" {
		return fmt.Errorf("request trailer %q is not allowed in a trailer section (RFC 9110 section 6.5.1)", k)
	}
	return nil
}
