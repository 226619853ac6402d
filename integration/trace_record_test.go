package integration

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strings"
	"sync"
)

// eventLog records every httptrace hook with the parts of its arguments
// that must agree between two transports, plus markers the test adds
// ("RoundTrip returned", "body EOF") so that hooks firing while the body
// is read are placed against what the caller saw.
//
// Values that legitimately differ are normalised as they are recorded:
// the server's address becomes "srv", the default User-Agent value
// becomes "<default>", and durations are reduced to whether they are
// positive.
type eventLog struct {
	srvAddr string // the server's host:port, replaced by "srv"
	// wrote and waiting, if set, are called when WroteRequest and
	// Wait100Continue fire. The test server waits for them before it
	// answers (or sends 100 Continue), so that the server's answer cannot
	// race the client's writer in either transport.
	wrote, waiting func()

	mu     sync.Mutex
	events []string // guarded by mu
}

func (l *eventLog) add(format string, args ...any) {
	e := fmt.Sprintf(format, args...)
	if l.srvAddr != "" {
		e = strings.ReplaceAll(e, l.srvAddr, "srv")
	}
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// take returns the events so far and starts a new list.
func (l *eventLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events
	l.events = nil
	return ev
}

func (l *eventLog) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(hostPort string) { l.add("GetConn %s", hostPort) },
		GotConn: func(i httptrace.GotConnInfo) {
			remote := "<nil>"
			if i.Conn != nil {
				remote = i.Conn.RemoteAddr().String()
			}
			l.add("GotConn conn=%s remote=%s reused=%t wasIdle=%t idleTime>0=%t",
				connKind(i.Conn), remote, i.Reused, i.WasIdle, i.IdleTime > 0)
		},
		PutIdleConn: func(err error) { l.add("PutIdleConn err=%v", err) },
		GotFirstResponseByte: func() {
			l.add("GotFirstResponseByte")
		},
		Got100Continue: func() { l.add("Got100Continue") },
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			keys := make([]string, 0, len(h))
			for k := range h {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			l.add("Got1xxResponse %d %v", code, keys)
			return nil
		},
		DNSStart: func(i httptrace.DNSStartInfo) { l.add("DNSStart %s", i.Host) },
		DNSDone: func(i httptrace.DNSDoneInfo) {
			l.add("DNSDone addrs=%d err=%v", len(i.Addrs), i.Err)
		},
		ConnectStart: func(network, addr string) { l.add("ConnectStart %s %s", network, addr) },
		ConnectDone: func(network, addr string, err error) {
			l.add("ConnectDone %s %s err=%v", network, addr, err)
		},
		TLSHandshakeStart: func() { l.add("TLSHandshakeStart") },
		TLSHandshakeDone: func(s tls.ConnectionState, err error) {
			l.add("TLSHandshakeDone proto=%q complete=%t err=%v", s.NegotiatedProtocol, s.HandshakeComplete, err)
		},
		WroteHeaderField: func(key string, value []string) {
			if strings.EqualFold(key, "user-agent") && len(value) == 1 && isDefaultUA(value[0]) {
				value = []string{"<default>"}
			}
			l.add("WroteHeaderField %s=%q", key, value)
		},
		WroteHeaders: func() { l.add("WroteHeaders") },
		Wait100Continue: func() {
			l.add("Wait100Continue")
			if l.waiting != nil {
				l.waiting()
			}
		},
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			l.add("WroteRequest err=%v", i.Err)
			if l.wrote != nil {
				l.wrote()
			}
		},
	}
}

// isDefaultUA reports whether v is a transport's own User-Agent, which
// names the transport and so differs between net/http and plex.
func isDefaultUA(v string) bool {
	return strings.HasPrefix(v, "Go-http-client/") || strings.HasPrefix(v, "plex/")
}

// connKind names the kind of connection GotConn reported: the TLS layer or
// a plain TCP connection, as a user's type switch would see it.
func connKind(c net.Conn) string {
	switch c.(type) {
	case nil:
		return "<nil>"
	case *tls.Conn:
		return "*tls.Conn"
	case *net.TCPConn:
		return "*net.TCPConn"
	}
	return fmt.Sprintf("%T", c)
}

// sortHeaderFields sorts each run of consecutive regular (not pseudo)
// WroteHeaderField events. An HTTP/2 transport writes request header
// fields in the order Go's map iteration gives them, so only the set of
// fields and the place of the run can be compared; pseudo-header fields
// keep their order.
func sortHeaderFields(ev []string) []string {
	out := slices.Clone(ev)
	regular := func(e string) bool {
		return strings.HasPrefix(e, "WroteHeaderField ") && !strings.HasPrefix(e, "WroteHeaderField :")
	}
	for i := 0; i < len(out); {
		if !regular(out[i]) {
			i++
			continue
		}
		j := i
		for j < len(out) && regular(out[j]) {
			j++
		}
		slices.Sort(out[i:j])
		i = j
	}
	return out
}
