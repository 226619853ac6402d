package header

import (
	"fmt"
	"net/http"
	"strings"
)

// ContentLength parses a response's Content-Length values, the same way on
// both protocols: identical duplicates are one value (RFC 9110 §8.6),
// anything else that is not a single decimal number of at most 18 digits is
// an error. ok is false when there is no Content-Length.
func ContentLength(vals []string) (n int64, ok bool, err error) {
	if len(vals) == 0 {
		return 0, false, nil
	}
	for _, v := range vals[1:] {
		if v != vals[0] {
			return 0, false, fmt.Errorf("conflicting Content-Length values %q and %q", vals[0], v)
		}
	}
	v := vals[0]
	if v == "" || len(v) > 18 {
		return 0, false, fmt.Errorf("invalid Content-Length %q", v)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("invalid Content-Length %q", v)
		}
		n = n*10 + int64(c-'0')
	}
	return n, true, nil
}

// DeclareTrailers moves a response's Trailer field into resp.Trailer as keys
// with nil values, to be filled once the body reaches EOF, as net/http does
// on HTTP/1.1; both protocols do this, so resp.Header never holds
// "Trailer". A declared name that would change the message's framing is
// an error; the wider request rule (CheckTrailer) is not applied to what a
// server declares, as net/http does not either, so that a server declaring
// more than it may send still works. canon turns a name into its
// http.Header key.
func DeclareTrailers(resp *http.Response, canon func(string) string) error {
	vals, ok := resp.Header["Trailer"]
	if !ok {
		return nil
	}
	delete(resp.Header, "Trailer")
	for _, v := range vals {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			name = canon(name)
			switch name {
			case "Transfer-Encoding", "Trailer", "Content-Length":
				return fmt.Errorf("forbidden trailer declared %q", name)
			}
			if resp.Trailer == nil {
				resp.Trailer = make(http.Header)
			}
			resp.Trailer[name] = nil
		}
	}
	return nil
}
