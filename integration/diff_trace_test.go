package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
)

// diffTrace records, in order, the httptrace hooks a request fires, in a
// form two clients can be compared by: hook names, with only what a
// program relies on (did it fail, was the connection reused, what kind of
// net.Conn came with GotConn). A run of WroteHeaderField calls is one event,
// since the two clients send different header fields (User-Agent, for one).
// Got1xxResponse is kept apart in info.
//
// net/http fires the hooks of writing the request and those of reading the
// response from different goroutines (on HTTP/2 the response may be read
// before WroteHeaders fires), so how the two interleave is not fixed:
// canonical keeps each one's order and the order of everything else, but
// not the interleaving.
type diffTrace struct {
	mu     sync.Mutex
	events []string // guarded by mu
	info   []int    // 1xx status codes, guarded by mu
}

func (d *diffTrace) add(format string, args ...any) {
	e := fmt.Sprintf(format, args...)
	d.mu.Lock()
	defer d.mu.Unlock()
	if e == "WroteHeaderField" && len(d.events) > 0 && d.events[len(d.events)-1] == e {
		return
	}
	d.events = append(d.events, e)
}

func (d *diffTrace) snapshot() ([]string, []int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.events...), append([]int(nil), d.info...)
}

// canonical groups the events of each connection attempt (from a GetConn
// on): the connection's events in order, then "write: ..." and "read: ..."
// with each side's events in order. net/http fires GetConn twice when it
// reuses an h2c connection (its HTTP/1 and its HTTP/2 code each fire it);
// a repeat is one event.
func canonical(events []string) []string {
	var out, write, read []string
	flush := func() {
		if len(write) > 0 {
			out = append(out, "write: "+strings.Join(write, " "))
		}
		if len(read) > 0 {
			out = append(out, "read: "+strings.Join(read, " "))
		}
		write, read = nil, nil
	}
	for i, e := range events {
		name, _, _ := strings.Cut(e, "(")
		switch name {
		case "GetConn":
			if i > 0 && events[i-1] == "GetConn" {
				continue
			}
			flush()
			out = append(out, e)
		case "WroteHeaderField", "WroteHeaders", "Wait100Continue", "WroteRequest":
			write = append(write, e)
		case "GotFirstResponseByte", "Got100Continue", "PutIdleConn":
			read = append(read, e)
		default:
			out = append(out, e)
		}
	}
	flush()
	return out
}

// failed marks a hook's error argument.
func failed(err error) string {
	if err != nil {
		return "(err)"
	}
	return ""
}

// connKind names what GotConnInfo.Conn is: otelhttptrace and others read
// it, and a *tls.Conn is what net/http hands over for TLS.
func connKind(c net.Conn) string {
	switch c.(type) {
	case nil:
		return "nil"
	case *tls.Conn:
		return "tls"
	default:
		return "plain"
	}
}

func (d *diffTrace) hooks() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { d.add("GetConn") },
		GotConn: func(i httptrace.GotConnInfo) {
			d.add("GotConn(%s,reused=%t)", connKind(i.Conn), i.Reused)
		},
		PutIdleConn:          func(err error) { d.add("PutIdleConn%s", failed(err)) },
		GotFirstResponseByte: func() { d.add("GotFirstResponseByte") },
		Got100Continue:       func() { d.add("Got100Continue") },
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			d.mu.Lock()
			d.info = append(d.info, code)
			d.mu.Unlock()
			return nil
		},
		DNSStart:          func(httptrace.DNSStartInfo) { d.add("DNSStart") },
		DNSDone:           func(i httptrace.DNSDoneInfo) { d.add("DNSDone%s", failed(i.Err)) },
		ConnectStart:      func(string, string) { d.add("ConnectStart") },
		ConnectDone:       func(_, _ string, err error) { d.add("ConnectDone%s", failed(err)) },
		TLSHandshakeStart: func() { d.add("TLSHandshakeStart") },
		TLSHandshakeDone:  func(_ tls.ConnectionState, err error) { d.add("TLSHandshakeDone%s", failed(err)) },
		WroteHeaderField:  func(string, []string) { d.add("WroteHeaderField") },
		WroteHeaders:      func() { d.add("WroteHeaders") },
		Wait100Continue:   func() { d.add("Wait100Continue") },
		WroteRequest:      func(i httptrace.WroteRequestInfo) { d.add("WroteRequest%s", failed(i.Err)) },
	}
}
