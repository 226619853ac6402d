package h2

import (
	"net/http"
	"net/textproto"
	"strings"
)

// commonHeaders are names common enough that converting between their
// canonical and lower-case forms should not allocate.
var commonHeaders = []string{
	"accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges",
	"access-control-allow-origin", "age", "allow", "authorization", "cache-control",
	"content-disposition", "content-encoding", "content-language", "content-length",
	"content-location", "content-range", "content-type", "cookie", "date", "etag",
	"expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
	"if-range", "if-unmodified-since", "last-modified", "link", "location", "max-forwards",
	"origin", "proxy-authenticate", "proxy-authorization", "range", "referer", "refresh",
	"retry-after", "server", "set-cookie", "strict-transport-security", "trailer",
	"transfer-encoding", "user-agent", "vary", "via", "www-authenticate",
	"x-content-type-options", "x-forwarded-for", "x-forwarded-proto", "x-frame-options",
	"x-request-id", "x-xss-protection", "grpc-status", "grpc-message", "te", "upgrade",
	"connection", "keep-alive", "proxy-connection", "alt-svc", "content-security-policy",
}

var (
	toLower = map[string]string{}
	toCanon = map[string]string{}
)

func init() {
	for _, l := range commonHeaders {
		c := http.CanonicalHeaderKey(l)
		toLower[c] = l
		toCanon[l] = c
	}
}

// lowerHeader returns the HTTP/2 (lower-case) form of a header name.
func lowerHeader(k string) string {
	if l, ok := toLower[k]; ok {
		return l
	}
	return strings.ToLower(k)
}

// canonHeader returns the http.Header key for a received lower-case name.
func canonHeader(l string) string {
	if c, ok := toCanon[l]; ok {
		return c
	}
	return textproto.CanonicalMIMEHeaderKey(l)
}
