package benchmarks

import (
	"testing"

	"go.uber.org/goleak"
)

// fasthttp keeps two background goroutines that outlive the clients using
// them and end on their own timers: each HostClient's idle-connection
// cleaner (it sleeps MaxIdleConnDuration, 10s by default, before seeing that
// no connection is left) and the default dialer's DNS cache cleaner (until
// its entries expire, a minute). Both are the library's design, not a leak
// in what is measured here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*TCPDialer).tcpAddrsClean"),
	)
}
