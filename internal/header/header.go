// Package header holds the http.Header checks and lookups that the HTTP/1.1
// and HTTP/2 request writers share.
package header

import (
	"net/http"

	"golang.org/x/net/http/httpguts"
)

// Value is h.Get for a key already in canonical form. Get canonicalizes its
// key on every call, which shows in profiles of small requests; the lookup
// it then makes is this one.
func Value(h http.Header, canonKey string) string {
	if v := h[canonKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Invalid returns the first field of h that may not be sent: its name is
// not a token (badName), or one of its values holds a control character.
// ok is true when every field may be sent.
func Invalid(h http.Header) (name string, badName, ok bool) {
	for k, vv := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return k, true, false
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return k, false, false
			}
		}
	}
	return "", false, true
}
