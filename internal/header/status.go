package header

import (
	"net/http"
	"strconv"
)

// statusLines holds "200 OK" and friends, so that a response with a
// standard status costs no allocation for its Status on either protocol.
var statusLines = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		if text := http.StatusText(code); text != "" {
			t[code] = strconv.Itoa(code) + " " + text
		}
	}
	return t
}()

// StatusLine returns code with its standard reason phrase ("404 Not
// Found"), or "" for a code without one.
func StatusLine(code int) string {
	if code < 0 || code >= len(statusLines) {
		return ""
	}
	return statusLines[code]
}
