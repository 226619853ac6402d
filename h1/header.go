package h1

import (
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
