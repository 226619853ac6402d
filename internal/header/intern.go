package header

import (
	"net/textproto"
	"strings"
)

// The Common names are interned in two open-addressed tables, one keyed by
// the canonical form (HTTP/1.1 canonicalizes a received name in place and
// looks it up) and one by the lower-case form (HTTP/2's wire form). An
// open-addressed table rather than a map: hashing three bytes and the
// length and comparing one string is a few times cheaper than a map lookup,
// for every field of every response.

// internTable holds at most a quarter as many names as it has slots, so a
// lookup rarely looks past its first slot.
type internTable [512]internEntry

// internEntry is a name in the form the table is keyed by, and the same
// name in the other form.
type internEntry struct{ key, other string }

var byCanonical, byLower = func() (c, l internTable) {
	for _, k := range Common {
		canon := textproto.CanonicalMIMEHeaderKey(k)
		lower := strings.ToLower(canon)
		c.add(canon, lower)
		l.add(lower, canon)
	}
	return c, l
}()

// internHash spreads names over an internTable by their length and three of
// their bytes; name must not be empty.
func internHash[T string | []byte](b T) uint {
	n := uint(len(b))
	return (n*5 + uint(b[0])*3 + uint(b[n-1])*7 + uint(b[n/2])*11) % uint(len(internTable{}))
}

func (t *internTable) add(key, other string) {
	i := internHash(key)
	for t[i].key != "" {
		i = (i + 1) % uint(len(t))
	}
	t[i] = internEntry{key, other}
}

// find returns the entry keyed by name, or nil.
func find[T string | []byte](t *internTable, name T) *internEntry {
	if len(name) == 0 {
		return nil
	}
	for i := internHash(name); ; i = (i + 1) % uint(len(t)) {
		switch e := &t[i]; e.key {
		case "":
			return nil
		case string(name):
			return e
		}
	}
}

// Interned returns the interned string equal to the canonical name, or ""
// when the name is not a common one. It does not allocate.
func Interned(canonical []byte) string {
	if e := find(&byCanonical, canonical); e != nil {
		return e.key
	}
	return ""
}

// Lower returns the lower-case (HTTP/2) form of a canonical name, without
// allocating for a common one.
func Lower(canonical string) string {
	if e := find(&byCanonical, canonical); e != nil {
		return e.other
	}
	return strings.ToLower(canonical)
}

// CanonicalOfLower returns the http.Header key of a lower-case (HTTP/2)
// name, without allocating for a common one.
func CanonicalOfLower(lower string) string {
	if e := find(&byLower, lower); e != nil {
		return e.other
	}
	return textproto.CanonicalMIMEHeaderKey(lower)
}
