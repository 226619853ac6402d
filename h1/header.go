package h1

import (
	"net/textproto"

	"github.com/plexhttp/plex/internal/header"
)

// tokenByte marks the bytes allowed in an RFC 9110 token (header names,
// methods, transfer codings).
var tokenByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenByte[c] {
			return false
		}
	}
	return true
}

// validValueByte reports whether c may appear in a field value: visible
// ASCII, space, horizontal tab and obs-text.
func validValueByte(c byte) bool {
	return c >= 0x20 && c != 0x7f || c == '\t'
}

// commonKeys interns the canonical names of common headers
// (internal/header.Common), so parsing them costs no allocation. It is an open-addressed table rather
// than a map: hashing three bytes and the length and comparing one string
// is a few times cheaper than a map lookup, for every field of every
// response.
var commonKeys = func() (t keyTable) {
	for _, k := range header.Common {
		c := textproto.CanonicalMIMEHeaderKey(k)
		i := keyHash(c)
		for t[i] != "" {
			i = (i + 1) % uint(len(t))
		}
		t[i] = c
	}
	return t
}()

// keyTable holds at most a quarter as many names as it has slots, so a
// lookup rarely looks past its first slot.
type keyTable [512]string

// keyHash spreads header names over a keyTable by their length and three
// of their bytes; b must not be empty.
func keyHash[T string | []byte](b T) uint {
	n := uint(len(b))
	return (n*5 + uint(b[0])*3 + uint(b[n-1])*7 + uint(b[n/2])*11) % uint(len(keyTable{}))
}

// lookup returns the interned name equal to name, or "".
func (t *keyTable) lookup(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	for i := keyHash(name); ; i = (i + 1) % uint(len(t)) {
		if k := t[i]; k == "" || k == string(name) {
			return k
		}
	}
}

// canonicalizeInPlace rewrites a token header name into its canonical form
// ("content-type" -> "Content-Type"), the form net/http uses as map key.
func canonicalizeInPlace(name []byte) {
	upper := true
	for i, c := range name {
		switch {
		case upper && 'a' <= c && c <= 'z':
			name[i] = c - ('a' - 'A')
		case !upper && 'A' <= c && c <= 'Z':
			name[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
}

// statusString is the Response.Status for a status line's code and the raw
// bytes after the version ("200 OK").
func statusString(code int, raw []byte) string {
	if line := header.StatusLine(code); line != "" && line == string(raw) {
		return line
	}
	return string(raw)
}
