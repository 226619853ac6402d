package header

// BadTargetByte returns the index of the first byte of s, a piece of a
// request target (the escaped path, the raw query or the opaque part of
// the URL), that may not be sent, or -1 when every byte may.
//
// One rule serves both protocols. HTTP/1.1 delimits the request line with
// spaces and ends it with CRLF, so a space, CR or LF in the target would
// split the request (RFC 9112 §3); HTTP/2 refuses field values with NUL,
// CR or LF (RFC 9113 §8.2.1), and :path carries the same request target
// (§8.3.1). The other control bytes and DEL are valid in neither
// (RFC 3986 §2). Bytes from 0x80 up are left alone: url.Parse keeps them
// raw in a query, net/http sends them as they are, and servers accept
// them.
func BadTargetByte(s string) int {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b == 0x7f {
			return i
		}
	}
	return -1
}
