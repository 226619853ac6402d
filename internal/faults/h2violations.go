package faults

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/plexhttp/plex/internal/h2peer"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Scope says what an RFC 9113 violation costs the client.
type Scope int

const (
	// ConnectionScope: a connection error (§5.4.1), answered with GOAWAY.
	ConnectionScope Scope = iota
	// StreamScope: a stream error (§5.4.2), answered with RST_STREAM; the
	// connection lives on.
	StreamScope
)

func (s Scope) String() string {
	if s == StreamScope {
		return "stream error"
	}
	return "connection error"
}

// H2Violation is one way a server can break a client requirement of
// RFC 9113, with the answer the RFC demands.
type H2Violation struct {
	// Name is short and unique, fit for a subtest name.
	Name string
	// Section is where RFC 9113 (or RFC 7541 for HPACK) states the rule.
	Section string
	// Scope and Code are the error the client must answer with.
	Scope Scope
	Code  http2.ErrCode
	// InBody is set when Send first writes good response headers: the
	// failure then reaches the user reading the body, not from RoundTrip.
	InBody bool
	// SmallConnWindow is set when the client must run with a connection
	// receive window of 65535 and a larger stream window.
	SmallConnWindow bool
	// Send breaks the rule while stream id awaits its response, on a
	// connection whose client announced lim.
	Send func(p *h2peer.Peer, id uint32, lim Limits)
}

func raw(p *h2peer.Peer, typ http2.FrameType, flags http2.Flags, id uint32, payload []byte) {
	p.WriteRaw(h2peer.RawFrame(typ, flags, id, payload))
}

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func setting(id http2.SettingID, v uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(nil, uint16(id)), v)
}

const endHeaders = http2.FlagHeadersEndHeaders

// H2Violations lists the server misbehaviours a client must detect, one per
// requirement. Each call returns fresh values.
func H2Violations() []H2Violation {
	return append(frameViolations(), headerViolations()...)
}

func frameViolations() []H2Violation {
	C, S := ConnectionScope, StreamScope
	return []H2Violation{
		{Name: "DATA on stream 0", Section: "§6.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameData, 0, 0, []byte("x"))
		}},
		{Name: "HEADERS on stream 0", Section: "§6.2", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameHeaders, endHeaders, 0, p.EncodeHeaders(":status", "200"))
		}},
		{Name: "SETTINGS on a stream", Section: "§6.5", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, id, nil)
		}},
		{Name: "PING on a stream", Section: "§6.7", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FramePing, 0, id, make([]byte, 8))
		}},
		{Name: "GOAWAY on a stream", Section: "§6.8", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameGoAway, 0, id, make([]byte, 8))
		}},
		{Name: "RST_STREAM on stream 0", Section: "§6.4", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameRSTStream, 0, 0, u32(uint32(http2.ErrCodeCancel)))
		}},
		{Name: "WINDOW_UPDATE on an idle stream", Section: "§5.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteWindowUpdate(id+100, 1)
		}},
		{Name: "DATA on an idle stream", Section: "§5.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteData(id+100, false, []byte("x"))
		}},
		{Name: "HEADERS on an idle stream", Section: "§5.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteHeaders(id+100, true, ":status", "200")
		}},
		{Name: "RST_STREAM on an idle stream", Section: "§5.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteRSTStream(id+100, http2.ErrCodeCancel)
		}},
		{Name: "HEADERS on a server-initiated stream", Section: "§5.1.1", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			p.WriteHeaders(2, true, ":status", "200")
		}},
		{Name: "SETTINGS of 5 bytes", Section: "§6.5", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, 0, make([]byte, 5))
		}},
		{Name: "SETTINGS ACK with a payload", Section: "§6.5", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, http2.FlagSettingsAck, 0, make([]byte, 6))
		}},
		{Name: "PING of 7 bytes", Section: "§6.7", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FramePing, 0, 0, make([]byte, 7))
		}},
		{Name: "RST_STREAM of 3 bytes", Section: "§6.4", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameRSTStream, 0, id, make([]byte, 3))
		}},
		{Name: "WINDOW_UPDATE of 3 bytes", Section: "§6.9", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameWindowUpdate, 0, 0, make([]byte, 3))
		}},
		// §6.3 makes this a stream error; x/net's Framer, which parses
		// for the client, fails the connection, which is stricter.
		{Name: "PRIORITY of 4 bytes (stricter: connection error)", Section: "§6.3", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FramePriority, 0, id, make([]byte, 4))
		}},
		{Name: "frame above our MAX_FRAME_SIZE", Section: "§4.2", Scope: C, Code: http2.ErrCodeFrameSize, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			p.WriteData(id, false, make([]byte, lim.MaxFrameSize+1))
		}},
		{Name: "SETTINGS_ENABLE_PUSH of 1", Section: "§6.5.2", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, 0, setting(http2.SettingEnablePush, 1))
		}},
		{Name: "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1", Section: "§6.5.2", Scope: C, Code: http2.ErrCodeFlowControl, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, 0, setting(http2.SettingInitialWindowSize, 1<<31))
		}},
		{Name: "SETTINGS_MAX_FRAME_SIZE below 16384", Section: "§6.5.2", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, 0, setting(http2.SettingMaxFrameSize, 16383))
		}},
		{Name: "SETTINGS_MAX_FRAME_SIZE above 2^24-1", Section: "§6.5.2", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameSettings, 0, 0, setting(http2.SettingMaxFrameSize, 1<<24))
		}},
		{Name: "WINDOW_UPDATE of 0 on the connection", Section: "§6.9", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			raw(p, http2.FrameWindowUpdate, 0, 0, u32(0))
		}},
		{Name: "WINDOW_UPDATE of 0 on a stream", Section: "§6.9", Scope: S, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameWindowUpdate, 0, id, u32(0))
		}},
		{Name: "connection window past 2^31-1", Section: "§6.9.1", Scope: C, Code: http2.ErrCodeFlowControl, Send: func(p *h2peer.Peer, _ uint32, _ Limits) {
			p.WriteWindowUpdate(0, 1<<31-1)
		}},
		{Name: "stream window past 2^31-1", Section: "§6.9.1", Scope: S, Code: http2.ErrCodeFlowControl, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteWindowUpdate(id, 1<<31-1)
		}},
		{Name: "INITIAL_WINDOW_SIZE change overflows an open stream", Section: "§6.9.2", Scope: C, Code: http2.ErrCodeFlowControl, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteWindowUpdate(id, 1<<31-1-65535)
			p.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 65536})
		}},
		{Name: "DATA beyond the stream window", Section: "§6.9.1", Scope: S, Code: http2.ErrCodeFlowControl, InBody: true, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			p.WriteHeaders(id, false, ":status", "200")
			sendData(p, id, int(lim.StreamWindow)+1, lim.MaxFrameSize)
		}},
		{Name: "DATA beyond the connection window", Section: "§6.9.1", Scope: C, Code: http2.ErrCodeFlowControl, InBody: true, SmallConnWindow: true, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			p.WriteHeaders(id, false, ":status", "200")
			sendData(p, id, int(lim.ConnWindow)+1, lim.MaxFrameSize)
		}},
		{Name: "PUSH_PROMISE with push disabled", Section: "§8.4", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FramePushPromise, endHeaders, id, append(u32(2), p.EncodeHeaders(":method", "GET", ":path", "/", ":scheme", "http", ":authority", "a")...))
		}},
		{Name: "DATA before HEADERS", Section: "§8.1", Scope: S, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteData(id, false, []byte("x"))
		}},
	}
}

// sendData writes n bytes of DATA on id in frames of at most max bytes, in
// one write, ignoring a client that hangs up midway.
func sendData(p *h2peer.Peer, id uint32, n int, max uint32) {
	var b []byte
	for n > 0 {
		k := min(n, int(max))
		b = append(b, h2peer.RawFrame(http2.FrameData, 0, id, make([]byte, k))...)
		n -= k
	}
	writeLoose(p, b)
}

func headerViolations() []H2Violation {
	C, S := ConnectionScope, StreamScope
	hdr := func(kv ...string) func(p *h2peer.Peer, id uint32, _ Limits) {
		return func(p *h2peer.Peer, id uint32, _ Limits) { p.WriteHeaders(id, true, kv...) }
	}
	return []H2Violation{
		{Name: "uppercase field name", Section: "§8.2.1", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", "X-Upper", "1")},
		{Name: "invalid field name", Section: "§8.2.1", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", "x bad", "1")},
		{Name: "field value with a newline", Section: "§8.2.1", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", "x-a", "1\n2")},
		{Name: "connection-specific field", Section: "§8.2.2", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", "connection", "close")},
		{Name: "transfer-encoding field", Section: "§8.2.2", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", "transfer-encoding", "chunked")},
		{Name: "missing :status", Section: "§8.3.2", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr("x-a", "1")},
		{Name: "duplicate :status", Section: "§8.3", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", ":status", "204")},
		{Name: "request pseudo-header in a response", Section: "§8.3", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr(":status", "200", ":path", "/")},
		{Name: "pseudo-header after a regular field", Section: "§8.3", Scope: S, Code: http2.ErrCodeProtocol, Send: hdr("x-a", "1", ":status", "200")},
		{Name: "pseudo-header in trailers", Section: "§8.1", Scope: S, Code: http2.ErrCodeProtocol, InBody: true, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			p.WriteHeaders(id, false, ":status", "200")
			p.WriteHeaders(id, true, ":status", "200")
		}},
		{Name: "CONTINUATION without HEADERS", Section: "§6.10", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameContinuation, endHeaders, id, p.EncodeHeaders(":status", "200"))
		}},
		{Name: "CONTINUATION on another stream", Section: "§6.10", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameHeaders, 0, id, p.EncodeHeaders(":status", "200"))
			raw(p, http2.FrameContinuation, endHeaders, id+2, p.EncodeHeaders("x-a", "1"))
		}},
		{Name: "DATA inside a header block", Section: "§6.10", Scope: C, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameHeaders, 0, id, p.EncodeHeaders(":status", "200"))
			p.WriteData(id, false, []byte("x"))
		}},
		{Name: "endless empty CONTINUATION", Section: "§10.5", Scope: C, Code: http2.ErrCodeEnhanceYourCalm, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			b := h2peer.RawFrame(http2.FrameHeaders, 0, id, p.EncodeHeaders(":status", "200"))
			// Far more frames than any block of the client's header limit
			// can need, even in frames of the minimum size.
			for range lim.MaxHeaderListSize/16384 + 1024 {
				b = append(b, h2peer.RawFrame(http2.FrameContinuation, 0, id, nil)...)
			}
			writeLoose(p, b)
		}},
		{Name: "endless CONTINUATION with payload", Section: "§10.5", Scope: C, Code: http2.ErrCodeEnhanceYourCalm, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			writeLoose(p, continuationFlood(id, 2*int(min(lim.MaxHeaderListSize, 8<<20))+256<<10, int(lim.MaxFrameSize)))
		}},
		{Name: "header block above the header list limit", Section: "§10.5.1", Scope: S, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			block := p.EncodeHeaders(":status", "200", "x-big", strings.Repeat("a", int(min(lim.MaxHeaderListSize, 8<<20))))
			WriteBlock(p, id, true, block, lim.MaxFrameSize)
		}},
		{Name: "HPACK bomb", Section: "§10.5.1", Scope: S, Code: http2.ErrCodeProtocol, Send: func(p *h2peer.Peer, id uint32, lim Limits) {
			WriteBlock(p, id, true, HPACKBomb(min(lim.MaxHeaderListSize, 8<<20)), lim.MaxFrameSize)
		}},
		{Name: "undecodable header block", Section: "§4.3", Scope: C, Code: http2.ErrCodeCompression, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameHeaders, endHeaders, id, []byte{0xff, 0xff, 0xff, 0xff})
		}},
		{Name: "dynamic table size above our setting", Section: "RFC 7541 §6.3", Scope: C, Code: http2.ErrCodeCompression, Send: func(p *h2peer.Peer, id uint32, _ Limits) {
			raw(p, http2.FrameHeaders, endHeaders|http2.FlagHeadersEndStream, id, TableSizeUpdate(8192, 0x88))
		}},
	}
}

// HPACKBomb returns a header block whose decoded size passes limit many
// times over its own: one 4000-byte field added to the dynamic table, then
// referenced by its one-byte index until the decoded list exceeds limit. It
// starts with ":status: 200".
func HPACKBomb(limit uint32) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	f := hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("\x7f", 4000)}
	_ = enc.WriteField(f)
	// The newest dynamic entry has index 62 (RFC 7541 §2.3.3).
	for range int(limit)/int(f.Size()) + 2 {
		buf.WriteByte(0x80 | 62)
	}
	return buf.Bytes()
}

// TableSizeUpdate returns a header block that starts with a dynamic table
// size update to size (RFC 7541 §6.3) followed by rest.
func TableSizeUpdate(size uint32, rest ...byte) []byte {
	b := []byte{0x20}
	if size < 31 {
		b[0] |= byte(size)
		return append(b, rest...)
	}
	b[0] |= 31
	size -= 31
	for size >= 128 {
		b = append(b, byte(size%128)|0x80)
		size /= 128
	}
	return append(append(b, byte(size)), rest...)
}

// continuationFlood returns a HEADERS frame and CONTINUATION frames on id,
// none ending the block, carrying about n bytes of valid HPACK.
func continuationFlood(id uint32, n, frameSize int) []byte {
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	val := strings.Repeat("\x7f", 1000)
	for block.Len() < n {
		_ = enc.WriteField(hpack.HeaderField{Name: "x-f", Value: val, Sensitive: true})
	}
	src := block.Bytes()
	var out []byte
	typ := http2.FrameHeaders
	for len(src) > 0 {
		k := min(len(src), frameSize)
		out = append(out, h2peer.RawFrame(typ, 0, id, src[:k])...)
		src = src[k:]
		typ = http2.FrameContinuation
	}
	return out
}
