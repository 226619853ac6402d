package h2

import (
	"net/textproto"
	"strings"

	"github.com/plexhttp/plex/internal/header"
)

var (
	toLower = map[string]string{}
	toCanon = map[string]string{}
)

// init fills the maps from internal/header.Common, so converting a common
// name between its canonical and lower-case forms does not allocate.
func init() {
	for _, c := range header.Common {
		l := strings.ToLower(c)
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
