package h2

import "github.com/plexhttp/plex/internal/header"

// lowerHeader returns the HTTP/2 (lower-case) form of a header name.
func lowerHeader(k string) string { return header.Lower(k) }

// canonHeader returns the http.Header key for a received lower-case name.
func canonHeader(l string) string { return header.CanonicalOfLower(l) }
