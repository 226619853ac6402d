package integration

import (
	"regexp"
	"strconv"
	"strings"
)

// The differential suite records httptrace hooks with the trace parity
// test's eventLog (trace_record_test.go) and compares them in a form that
// survives what legitimately differs between two clients against servers
// the suite does not script:
//
//   - an error argument counts only as present or not: plex's error texts
//     are more specific than net/http's on purpose;
//   - Got1xxResponse is compared apart (observation.Info), by status code;
//   - net/http fires GetConn twice when it reuses an h2c connection (its
//     HTTP/1 and its HTTP/2 code each fire it); a repeat is one event;
//   - net/http fires the hooks of writing the request and those of reading
//     the response on different goroutines (on HTTP/2 the response may be
//     read before WroteHeaders fires), so each connection attempt is
//     grouped: its connection hooks in order, then "write: ..." and
//     "read: ...", each side's hooks in order.

var errArg = regexp.MustCompile(` err=(.*)$`)

// diffEvents turns an eventLog's events into the compared trace and the
// 1xx status codes.
func diffEvents(events []string) (trace []string, info []int) {
	var write, read []string
	flush := func() {
		if len(write) > 0 {
			trace = append(trace, "write: "+strings.Join(sortHeaderFields(write), " | "))
		}
		if len(read) > 0 {
			trace = append(trace, "read: "+strings.Join(read, " | "))
		}
		write, read = nil, nil
	}
	prev := ""
	for _, e := range events {
		if m := errArg.FindStringSubmatch(e); m != nil {
			e = strings.TrimSuffix(e, m[0])
			if m[1] != "<nil>" {
				e += " (err)"
			}
		}
		name, rest, _ := strings.Cut(e, " ")
		switch name {
		case "Got1xxResponse":
			code, _, _ := strings.Cut(rest, " ")
			n, _ := strconv.Atoi(code)
			info = append(info, n)
			continue
		case "GetConn":
			if e == prev {
				continue
			}
			flush()
			trace = append(trace, e)
		case "WroteHeaderField", "WroteHeaders", "Wait100Continue", "WroteRequest":
			write = append(write, e)
		case "GotFirstResponseByte", "Got100Continue", "PutIdleConn":
			read = append(read, e)
		default:
			trace = append(trace, e)
		}
		prev = e
	}
	flush()
	return trace, info
}
