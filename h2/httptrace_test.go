package h2

import (
	"fmt"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
)

// hookLog records httptrace hooks as they fire.
type hookLog struct {
	mu     sync.Mutex
	events []string
}

func (l *hookLog) add(format string, args ...any) {
	l.mu.Lock()
	l.events = append(l.events, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// take returns the hooks fired since the last take.
func (l *hookLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.events
	l.events = nil
	return ev
}

func (l *hookLog) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		WroteHeaderField: func(k string, v []string) { l.add("WroteHeaderField %s=%s", k, strings.Join(v, ",")) },
		WroteHeaders:     func() { l.add("WroteHeaders") },
		Wait100Continue:  func() { l.add("Wait100Continue") },
		Got100Continue:   func() { l.add("Got100Continue") },
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
			l.add("Got1xxResponse %d", code)
			return nil
		},
		GotFirstResponseByte: func() { l.add("GotFirstResponseByte") },
		WroteRequest:         func(i httptrace.WroteRequestInfo) { l.add("WroteRequest err=%v", i.Err) },
	}
}

// The hooks of an upload that waits for 100 (Continue) fire as net/http's
// HTTP/2 transport fires them: every header field written, pseudo-header
// fields first, one value each; Wait100Continue before any answer; the
// 100's hooks (Got1xxResponse, then Got100Continue) before the body goes.
func TestTraceHooksOfExpectContinueUpload(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, expectCfg)
		var log hookLog
		req := expectRequest(t, &closeTrackingBody{Reader: strings.NewReader("payload")})
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), log.trace()))
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(nil)
		synctest.Wait()
		require.Equal(t, []string{
			"WroteHeaderField :authority=example.com",
			"WroteHeaderField :method=PUT",
			"WroteHeaderField :path=/up",
			"WroteHeaderField :scheme=https",
			"WroteHeaderField expect=100-continue",
			"WroteHeaderField content-length=7",
			"WroteHeaderField accept-encoding=gzip",
			"WroteHeaderField user-agent=" + h.cc.cfg.UserAgent,
			"WroteHeaders",
			"Wait100Continue",
		}, log.take())

		h.p.WriteHeaders(id, false, ":status", "100")
		require.Equal(t, "payload", string(h.p.WantBody(id)))
		synctest.Wait()
		require.Equal(t, []string{
			"GotFirstResponseByte",
			"Got1xxResponse 100",
			"Got100Continue",
			"WroteRequest err=<nil>",
		}, log.take())

		h.p.WriteHeaders(id, true, ":status", "201")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Empty(t, log.take(), "the final response's first byte is not the response's first byte")
	})
}

// NetConn is the connection the ClientConn was built on, for
// httptrace.GotConnInfo.Conn.
func TestNetConnIsTheUnderlyingConn(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		defer s.Close()
		go func() { // swallow the preface so NewClientConn can write it
			buf := make([]byte, 1024)
			for {
				if _, err := s.Read(buf); err != nil {
					return
				}
			}
		}()
		cc, err := NewClientConn(c, nil, nil, nil)
		require.NoError(t, err)
		defer cc.Close()
		require.Same(t, c, cc.NetConn())
	})
}
