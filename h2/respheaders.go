package h2

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/gzipbody"
	"github.com/plexhttp/plex/internal/header"
	"github.com/plexhttp/plex/internal/setting"
)

// max1xx bounds the informational responses accepted before the final one.
const max1xx = setting.Max1xx

// checkResponseFields enforces RFC 9113 §8.3 on a decoded response (or
// trailer) block and returns the :status value.
func checkResponseFields(fields []hpack.HeaderField, trailers bool) (status string, err error) {
	regular := false
	for _, f := range fields {
		if strings.HasPrefix(f.Name, ":") {
			if trailers {
				return "", fmt.Errorf("pseudo-header %q in trailers", f.Name)
			}
			if regular {
				return "", fmt.Errorf("pseudo-header %q after regular fields", f.Name)
			}
			if f.Name != ":status" {
				return "", fmt.Errorf("unknown response pseudo-header %q", f.Name)
			}
			if status != "" {
				return "", errors.New("duplicate :status")
			}
			status = f.Value
			continue
		}
		regular = true
		if !validLowerName(f.Name) {
			return "", fmt.Errorf("invalid header field name %q", f.Name)
		}
		if !httpguts.ValidHeaderFieldValue(f.Value) {
			return "", fmt.Errorf("invalid value for header field %q", f.Name)
		}
		switch f.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			return "", fmt.Errorf("connection-specific header field %q", f.Name)
		case "te":
			if f.Value != "trailers" {
				return "", fmt.Errorf("te header field %q", f.Value)
			}
		}
	}
	if !trailers && status == "" {
		return "", errors.New("missing :status")
	}
	return status, nil
}

// validLowerName reports a valid field name without upper-case letters
// (RFC 9113 §8.2.1).
func validLowerName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if !lowerTokenByte[n[i]] {
			return false
		}
	}
	return true
}

// lowerTokenByte marks the bytes of RFC 9110 tokens, less upper-case
// letters: one lookup per byte checks both rules.
var lowerTokenByte = func() (t [256]bool) {
	for b := range 128 {
		t[b] = httpguts.IsTokenRune(rune(b)) && (b < 'A' || b > 'Z')
	}
	return t
}()

func parseStatus(s string) (int, bool) {
	if len(s) != 3 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 100
}

// headerOf builds an http.Header from the regular fields, sharing one
// backing array for the single values most fields have: vals when it is
// large enough, else a new one.
func headerOf(fields []hpack.HeaderField, vals []string) http.Header {
	n := 0
	for _, f := range fields {
		if !strings.HasPrefix(f.Name, ":") {
			n++
		}
	}
	h := make(http.Header, n)
	if len(vals) < n {
		vals = make([]string, n)
	}
	for i, f := range fields {
		if strings.HasPrefix(f.Name, ":") {
			continue
		}
		k := canonHeader(f.Name)
		var dup bool
		if len(fields) <= 16 {
			dup = seenBefore(fields, i)
		} else {
			_, dup = h[k]
		}
		if dup {
			h[k] = append(h[k], f.Value)
			continue
		}
		vals[0] = f.Value
		h[k] = vals[:1:1]
		vals = vals[1:]
	}
	return h
}

// seenBefore reports whether the name of fields[i] occurs before it. For
// the few fields most responses have, comparing names is cheaper than a
// map lookup; longer lists, where comparing would cost the square of their
// length, use the map.
func seenBefore(fields []hpack.HeaderField, i int) bool {
	for _, f := range fields[:i] {
		if f.Name == fields[i].Name {
			return true
		}
	}
	return false
}

// newResponse builds the response for a final header block.
func (cs *stream) newResponse(fields []hpack.HeaderField, code int, endStream bool) (*http.Response, int64, error) {
	h := headerOf(fields, cs.hvals[:])
	// The response lives in the stream: its Body already keeps the stream
	// reachable for as long as the application holds the response.
	resp := &cs.respStore
	*resp = http.Response{
		StatusCode: code,
		Proto:      "HTTP/2.0",
		ProtoMajor: 2,
		Header:     h,
		Request:    cs.req,
		TLS:        cs.cc.tlsState,
	}
	if line := header.StatusLine(code); line != "" {
		resp.Status = line
	} else {
		resp.Status = strconv.Itoa(code)
	}
	want := int64(-1)
	if n, ok, err := header.ContentLength(h["Content-Length"]); err != nil {
		return nil, 0, err
	} else if ok {
		want = n
		if vv := h["Content-Length"]; len(vv) > 1 {
			h["Content-Length"] = vv[:1] // identical duplicates, folded as on HTTP/1.1
		}
	}
	if err := header.DeclareTrailers(resp, trailerKey); err != nil {
		return nil, 0, err
	}
	switch {
	case cs.isHead:
		resp.ContentLength = want
		resp.Body = http.NoBody
		return resp, -1, nil
	case endStream:
		if want > 0 {
			return nil, 0, fmt.Errorf("END_STREAM on headers with content-length %d", want)
		}
		resp.ContentLength = 0
		resp.Body = http.NoBody
		return resp, -1, nil
	}
	resp.ContentLength = want
	cs.body.cs = cs
	resp.Body = &cs.body
	if cs.addedGzip && strings.EqualFold(header.Value(h, "Content-Encoding"), "gzip") {
		delete(h, "Content-Encoding")
		delete(h, "Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = gzipbody.New(&cs.body, "h2", errBodyClosed)
	}
	return resp, want, nil
}

// trailerKey is the http.Header key of a name declared in a Trailer field.
func trailerKey(name string) string { return canonHeader(strings.ToLower(name)) }

// onHeaderBlock handles a complete header block from the reader goroutine.
// User trace hooks run with no lock held; only this goroutine changes
// gotFinal and num1xx, so the snapshot taken under the lock stays valid.
func (cc *ClientConn) onHeaderBlock(b *headerBlock) error {
	cc.mu.Lock()
	cc.pings.budget.gotHeadersOrData()
	cs, idle := cc.streamLocked(b.streamID)
	var trailers, recvEnd bool
	var late error
	if cs != nil {
		trailers, recvEnd = cs.gotFinal, cs.recvEnd
	} else if !idle {
		late = cc.lateFrameLocked("HEADERS", b.streamID)
	}
	cc.mu.Unlock()
	switch {
	case cs == nil && idle:
		return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("HEADERS on idle stream %d", b.streamID)}
	case cs == nil:
		// nil for a stream we reset: the block was decoded all the same,
		// keeping the HPACK table in step.
		return late
	case recvEnd:
		return afterEndStreamError("HEADERS", b.streamID)
	case b.tooLarge:
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "response header list exceeds %d bytes", b.limit), ErrCodeProtocol, true)
		return nil
	}
	status, err := checkResponseFields(b.fields, trailers)
	if err != nil {
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "malformed response: %v", err), ErrCodeProtocol, true)
		return nil
	}
	if trailers {
		cc.onTrailers(cs, b)
		return nil
	}
	code, ok := parseStatus(status)
	if !ok {
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "malformed :status %q", status), ErrCodeProtocol, true)
		return nil
	}
	if cs.num1xx == 0 && cs.trace != nil && cs.trace.GotFirstResponseByte != nil {
		cs.trace.GotFirstResponseByte()
	}
	if code < 200 {
		cc.on1xx(cs, b, code)
		return nil
	}
	resp, want, err := cs.newResponse(b.fields, code, b.endStream)
	if err != nil {
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "malformed response: %v", err), ErrCodeProtocol, true)
		return nil
	}
	var a actions
	cc.mu.Lock()
	if cs.respErr == nil {
		cs.gotFinal = true
		cs.endBeforeFinal = cs.sentEnd
		cs.resp = resp
		cs.wantLen = want
		signal(cs.wake)
		signal(cs.sendable) // an upload waiting for 100 (Continue) stops waiting
		if b.endStream {
			cc.endRecvLocked(cs, &a)
			if !cs.closed && resp.Body == http.NoBody {
				// The server answered before taking in the whole request
				// (RFC 9113 §8.1), and there is no body whose Close could
				// end the stream: stop the upload rather than let a window
				// the server may never open hold the stream.
				cc.abortStreamLocked(cs, errResponseComplete, ErrCodeCancel, true, &a)
			}
		}
	}
	cc.mu.Unlock()
	cc.run(&a)
	return nil
}

func (cc *ClientConn) onTrailers(cs *stream, b *headerBlock) {
	if !b.endStream {
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "trailers without END_STREAM"), ErrCodeProtocol, true)
		return
	}
	var a actions
	cc.mu.Lock()
	if !cs.closed && cs.readErr == nil {
		size := 0
		for _, f := range b.fields {
			size += len(f.Name) + len(f.Value) + 4 // as HTTP/1.1 would send it
		}
		if size > setting.MaxTrailerBytes {
			// The body's bytes still come first, as on HTTP/1.1.
			cs.readErr = fmt.Errorf("h2: response trailer section exceeds %d bytes", setting.MaxTrailerBytes)
		} else {
			// Kept aside until the body's reader reaches EOF: resp.Trailer
			// belongs to the application, which may look at it meanwhile.
			cs.trailers = make(http.Header, len(b.fields))
			for _, f := range b.fields {
				k := canonHeader(f.Name)
				cs.trailers[k] = append(cs.trailers[k], f.Value)
			}
		}
		cc.endRecvLocked(cs, &a)
	}
	cc.mu.Unlock()
	cc.run(&a)
}

// on1xx handles an informational response (owned by the reader goroutine).
func (cc *ClientConn) on1xx(cs *stream, b *headerBlock, code int) {
	cs.num1xx++
	switch {
	case b.endStream || code == http.StatusSwitchingProtocols:
		// §8.1: an informational response cannot end the stream; 101 is
		// not allowed in HTTP/2 (§8.6).
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeProtocol, "invalid informational response %d", code), ErrCodeProtocol, true)
		return
	case cs.num1xx > max1xx:
		cc.abortStream(cs, cc.streamErr(cs, ErrCodeCancel, "more than %d informational (1xx) responses", max1xx), ErrCodeCancel, true)
		return
	case cs.trace != nil && cs.trace.Got1xxResponse != nil:
		if err := cs.trace.Got1xxResponse(code, textproto.MIMEHeader(headerOf(b.fields, nil))); err != nil {
			cc.abortStream(cs, err, ErrCodeCancel, true)
			return
		}
	}
	if code == http.StatusContinue {
		// The hooks run before the body writer is woken, so that
		// Got100Continue comes before the upload's WroteRequest, in the
		// order net/http gives on HTTP/2 (Got1xxResponse first).
		if cs.trace != nil && cs.trace.Got100Continue != nil {
			cs.trace.Got100Continue()
		}
		cc.mu.Lock()
		cs.got100 = true
		cc.mu.Unlock()
		signal(cs.sendable)
	}
}

// streamErr is a stream error we detected (we reset the stream).
func (cc *ClientConn) streamErr(cs *stream, code ErrCode, format string, args ...any) error {
	return StreamError{StreamID: cs.id, Code: code, Cause: fmt.Errorf(format, args...)}
}

// streamLocked returns the open stream id. When there is none, idle reports
// whether id was never opened, which makes most frames on it a connection
// error (RFC 9113 §5.1): even ids included, since push is disabled.
func (cc *ClientConn) streamLocked(id uint32) (cs *stream, idle bool) {
	if cs = cc.streams[id]; cs != nil {
		return cs, false
	}
	return nil, id%2 == 0 || id >= cc.nextID
}
