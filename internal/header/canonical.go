package header

import (
	"net/http"
	"net/textproto"
)

// The request writers find the fields they write or act on themselves
// (Host, Content-Length, Transfer-Encoding, Connection, Expect and the
// like) by their canonical key, as net/http does. A key set directly in
// another case ("host", "CONTENT-LENGTH") is not found that way and would
// go out as it is, beside the field the writer produces: two Host fields,
// or Content-Length next to Transfer-Encoding, which recipients frame
// differently (request smuggling). net/http sends such keys unchanged; we
// refuse the request instead, since no spelling of these keys can mean
// anything the writer does not already decide.
var managed = map[string]struct{}{
	"Host": {}, "Content-Length": {}, "Transfer-Encoding": {}, "Trailer": {},
	"Connection": {}, "Keep-Alive": {}, "Proxy-Connection": {}, "Upgrade": {},
	"Te": {}, "Expect": {}, "User-Agent": {}, "Accept-Encoding": {}, "Range": {},
}

// MisspelledManaged returns a key of h that is not in canonical form and
// names a field the request writers manage, with its canonical form; key
// is "" when there is none. Keys added with Set or Add are canonical and
// cost one scan each.
func MisspelledManaged(h http.Header) (key, canon string) {
	for k := range h {
		if isCanonical(k) {
			continue
		}
		c := textproto.CanonicalMIMEHeaderKey(k)
		if _, ok := managed[c]; ok {
			return k, c
		}
	}
	return "", ""
}

// isCanonical reports whether k is already in the form
// textproto.CanonicalMIMEHeaderKey gives a valid token: upper case at the
// start and after each '-', lower case elsewhere.
func isCanonical(k string) bool {
	upper := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			return false
		}
		upper = c == '-'
	}
	return true
}
