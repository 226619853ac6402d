package h2

import (
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// TestValidLowerNameMatchesHTTPGuts holds the table-driven check to its
// definition: a valid field name (httpguts) with no upper-case letter.
func TestValidLowerNameMatchesHTTPGuts(t *testing.T) {
	check := func(n string) {
		want := httpguts.ValidHeaderFieldName(n) && strings.ToLower(n) == n
		if got := validLowerName(n); got != want {
			t.Errorf("validLowerName(%q) = %v, want %v", n, got, want)
		}
	}
	check("")
	for b := range 256 {
		check(string([]byte{byte(b)}))
		check("x-" + string([]byte{byte(b)}) + "-y")
	}
	for _, n := range []string{"content-type", "Content-Type", "x_y", "a b", "é", "x-ok!#$%&'*+.^`|~"} {
		check(n)
	}
}
