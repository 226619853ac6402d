// Package h2peer is a scripted HTTP/2 server peer for straight-line client
// tests: the test reads exactly the frames it expects the client to send and
// writes exactly the frames the server should answer with, then checks that
// the client sent nothing more.
//
// Every Want method fails the test (t.Fatal) when the next frame is not the
// one expected or does not arrive within ReadTimeout. Inside a
// testing/synctest bubble that timeout is on the bubble's fake clock, so a
// missing frame fails fast instead of hanging.
package h2peer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// DefaultReadTimeout is how long a Want method waits for the next frame.
const DefaultReadTimeout = 10 * time.Minute

// Peer is the server side of one HTTP/2 connection under test. It is meant to
// be used from the test goroutine only.
type Peer struct {
	t    testing.TB
	conn net.Conn
	// Framer reads and writes frames; tests may use it directly for frames
	// the helpers do not cover.
	Framer *http2.Framer
	// ReadTimeout bounds each wait for a frame; DefaultReadTimeout if zero.
	ReadTimeout time.Duration

	enc    *hpack.Encoder
	encBuf bytes.Buffer
}

// New wraps the server side of a connection. It reads header blocks with
// CONTINUATION frames merged and a generous header list limit.
func New(t testing.TB, conn net.Conn) *Peer {
	p := &Peer{t: t, conn: conn, ReadTimeout: DefaultReadTimeout}
	p.Framer = http2.NewFramer(conn, conn)
	p.Framer.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	p.Framer.MaxHeaderListSize = 16 << 20
	p.Framer.SetMaxReadFrameSize(1<<24 - 1)
	p.enc = hpack.NewEncoder(&p.encBuf)
	return p
}

// Conn is the server side of the connection.
func (p *Peer) Conn() net.Conn { return p.conn }

// ReadPreface reads the 24-byte client connection preface.
func (p *Peer) ReadPreface() {
	p.t.Helper()
	buf := make([]byte, len(http2.ClientPreface))
	p.setDeadline()
	if _, err := io.ReadFull(p.conn, buf); err != nil {
		p.t.Fatalf("h2peer: reading client preface: %v", err)
	}
	if string(buf) != http2.ClientPreface {
		p.t.Fatalf("h2peer: client preface = %q, want %q", buf, http2.ClientPreface)
	}
}

// Handshake performs the usual opening: it reads the preface, the client's
// SETTINGS and connection WINDOW_UPDATE, writes the given SETTINGS and an
// ACK of the client's, and reads the client's ACK. It returns the client's
// settings.
func (p *Peer) Handshake(settings ...http2.Setting) map[http2.SettingID]uint32 {
	p.t.Helper()
	p.ReadPreface()
	got := p.WantSettings()
	p.WantWindowUpdate(0)
	p.WriteSettings(settings...)
	p.WriteSettingsAck()
	p.WantSettingsAck()
	return got
}

// ReadFrame returns the next frame the client wrote. Header blocks come back
// as *http2.MetaHeadersFrame.
func (p *Peer) ReadFrame() http2.Frame {
	p.t.Helper()
	p.setDeadline()
	f, err := p.Framer.ReadFrame()
	if err != nil {
		p.t.Fatalf("h2peer: reading frame: %v", err)
	}
	return f
}

func (p *Peer) setDeadline() {
	d := p.ReadTimeout
	if d <= 0 {
		d = DefaultReadTimeout
	}
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
}

func wantFrame[F http2.Frame](p *Peer, what string) F {
	p.t.Helper()
	f := p.ReadFrame()
	got, ok := f.(F)
	if !ok {
		p.t.Fatalf("h2peer: want %s, got %s", what, Summarize(f))
	}
	return got
}

// WantSettings reads a non-ACK SETTINGS frame and returns its values.
func (p *Peer) WantSettings() map[http2.SettingID]uint32 {
	p.t.Helper()
	f := wantFrame[*http2.SettingsFrame](p, "SETTINGS")
	if f.IsAck() {
		p.t.Fatalf("h2peer: want SETTINGS, got SETTINGS ACK")
	}
	m := make(map[http2.SettingID]uint32)
	_ = f.ForeachSetting(func(s http2.Setting) error { m[s.ID] = s.Val; return nil })
	return m
}

// WantSettingsAck reads a SETTINGS ACK.
func (p *Peer) WantSettingsAck() {
	p.t.Helper()
	f := wantFrame[*http2.SettingsFrame](p, "SETTINGS ACK")
	if !f.IsAck() {
		p.t.Fatalf("h2peer: want SETTINGS ACK, got %s", Summarize(f))
	}
}

// WantWindowUpdate reads a WINDOW_UPDATE for streamID and returns its
// increment.
func (p *Peer) WantWindowUpdate(streamID uint32) uint32 {
	p.t.Helper()
	f := wantFrame[*http2.WindowUpdateFrame](p, "WINDOW_UPDATE")
	if f.StreamID != streamID {
		p.t.Fatalf("h2peer: want WINDOW_UPDATE for stream %d, got %s", streamID, Summarize(f))
	}
	return f.Increment
}

// Headers is a decoded header block the client sent.
type Headers struct {
	StreamID  uint32
	EndStream bool
	Fields    []hpack.HeaderField
}

// Get returns the first value of the named field ("" if absent).
func (h *Headers) Get(name string) string {
	for _, f := range h.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of the named field, in order.
func (h *Headers) Values(name string) []string {
	var vs []string
	for _, f := range h.Fields {
		if f.Name == name {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// WantHeaders reads a HEADERS block, passes it to check (may be nil) and
// returns its stream id.
func (p *Peer) WantHeaders(check func(h *Headers)) uint32 {
	p.t.Helper()
	f := wantFrame[*http2.MetaHeadersFrame](p, "HEADERS")
	h := &Headers{StreamID: f.StreamID, EndStream: f.StreamEnded(), Fields: f.Fields}
	if check != nil {
		check(h)
	}
	return f.StreamID
}

// Data is one DATA frame the client sent.
type Data struct {
	Data      []byte
	EndStream bool
}

// WantData reads a DATA frame on stream id and returns a copy of its payload.
func (p *Peer) WantData(id uint32) Data {
	p.t.Helper()
	f := wantFrame[*http2.DataFrame](p, "DATA")
	if f.StreamID != id {
		p.t.Fatalf("h2peer: want DATA on stream %d, got %s", id, Summarize(f))
	}
	return Data{Data: bytes.Clone(f.Data()), EndStream: f.StreamEnded()}
}

// WantBody reads DATA frames on stream id up to and including END_STREAM and
// returns their concatenated payload. Only DATA frames of that stream may
// arrive meanwhile.
func (p *Peer) WantBody(id uint32) []byte {
	p.t.Helper()
	var body []byte
	for {
		d := p.WantData(id)
		body = append(body, d.Data...)
		if d.EndStream {
			return body
		}
	}
}

// WantRSTStream reads a RST_STREAM for id with the given code.
func (p *Peer) WantRSTStream(id uint32, code http2.ErrCode) {
	p.t.Helper()
	f := wantFrame[*http2.RSTStreamFrame](p, "RST_STREAM")
	if f.StreamID != id || f.ErrCode != code {
		p.t.Fatalf("h2peer: want RST_STREAM stream=%d code=%v, got %s", id, code, Summarize(f))
	}
}

// WantGoAway reads a GOAWAY with the given code and returns its debug data.
func (p *Peer) WantGoAway(code http2.ErrCode) string {
	p.t.Helper()
	f := wantFrame[*http2.GoAwayFrame](p, "GOAWAY")
	if f.ErrCode != code {
		p.t.Fatalf("h2peer: want GOAWAY code=%v, got %s", code, Summarize(f))
	}
	return string(f.DebugData())
}

// WantPing reads a PING without ACK and returns its payload.
func (p *Peer) WantPing() [8]byte {
	p.t.Helper()
	f := wantFrame[*http2.PingFrame](p, "PING")
	if f.IsAck() {
		p.t.Fatalf("h2peer: want PING, got PING ACK")
	}
	return f.Data
}

// WantPingAck reads a PING ACK and returns its payload.
func (p *Peer) WantPingAck() [8]byte {
	p.t.Helper()
	f := wantFrame[*http2.PingFrame](p, "PING ACK")
	if !f.IsAck() {
		p.t.Fatalf("h2peer: want PING ACK, got PING")
	}
	return f.Data
}

// WantClosed reads until the client closes the connection, failing on any
// frame received first.
func (p *Peer) WantClosed() {
	p.t.Helper()
	p.setDeadline()
	f, err := p.Framer.ReadFrame()
	if err == nil {
		p.t.Fatalf("h2peer: want connection closed, got %s", Summarize(f))
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.ErrUnexpectedEOF) {
		p.t.Fatalf("h2peer: want connection closed, got error %v", err)
	}
}

// buffered is implemented by in-memory conns that can tell whether unread
// bytes are waiting.
type buffered interface{ Buffered() int }

// WantIdle checks that the client has sent nothing more. It must run inside
// a synctest bubble: it first waits for every goroutine in the bubble to
// block, so anything the client was going to send has been sent.
func (p *Peer) WantIdle() {
	p.t.Helper()
	synctest.Wait()
	if b, ok := p.conn.(buffered); ok {
		if n := b.Buffered(); n > 0 {
			f := p.ReadFrame()
			p.t.Fatalf("h2peer: want idle, client sent %s (%d bytes waiting)", Summarize(f), n)
		}
		return
	}
	_ = p.conn.SetReadDeadline(time.Now())
	f, err := p.Framer.ReadFrame()
	if err == nil {
		p.t.Fatalf("h2peer: want idle, client sent %s", Summarize(f))
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		p.t.Fatalf("h2peer: want idle, read failed: %v", err)
	}
}

func (p *Peer) check(err error, what string) {
	p.t.Helper()
	if err != nil {
		p.t.Fatalf("h2peer: writing %s: %v", what, err)
	}
}

// WriteSettings writes a SETTINGS frame.
func (p *Peer) WriteSettings(s ...http2.Setting) {
	p.t.Helper()
	p.check(p.Framer.WriteSettings(s...), "SETTINGS")
}

// WriteSettingsAck writes a SETTINGS ACK.
func (p *Peer) WriteSettingsAck() {
	p.t.Helper()
	p.check(p.Framer.WriteSettingsAck(), "SETTINGS ACK")
}

// EncodeHeaders hpack-encodes name/value pairs with the peer's encoder.
func (p *Peer) EncodeHeaders(kv ...string) []byte {
	p.t.Helper()
	if len(kv)%2 != 0 {
		p.t.Fatalf("h2peer: odd number of header strings %q", kv)
	}
	p.encBuf.Reset()
	for i := 0; i < len(kv); i += 2 {
		if err := p.enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]}); err != nil {
			p.t.Fatalf("h2peer: encoding header: %v", err)
		}
	}
	return bytes.Clone(p.encBuf.Bytes())
}

// WriteHeaders writes one HEADERS frame (END_HEADERS set) carrying the given
// name/value pairs, e.g. WriteHeaders(1, false, ":status", "200").
func (p *Peer) WriteHeaders(id uint32, endStream bool, kv ...string) {
	p.t.Helper()
	block := p.EncodeHeaders(kv...)
	p.check(p.Framer.WriteHeaders(http2.HeadersFrameParam{
		StreamID: id, BlockFragment: block, EndStream: endStream, EndHeaders: true,
	}), "HEADERS")
}

// WriteData writes a DATA frame.
func (p *Peer) WriteData(id uint32, endStream bool, data []byte) {
	p.t.Helper()
	p.check(p.Framer.WriteData(id, endStream, data), "DATA")
}

// WriteRSTStream writes a RST_STREAM frame.
func (p *Peer) WriteRSTStream(id uint32, code http2.ErrCode) {
	p.t.Helper()
	p.check(p.Framer.WriteRSTStream(id, code), "RST_STREAM")
}

// WriteGoAway writes a GOAWAY frame.
func (p *Peer) WriteGoAway(lastStreamID uint32, code http2.ErrCode, debug string) {
	p.t.Helper()
	p.check(p.Framer.WriteGoAway(lastStreamID, code, []byte(debug)), "GOAWAY")
}

// WritePing writes a PING frame.
func (p *Peer) WritePing(ack bool, data [8]byte) {
	p.t.Helper()
	p.check(p.Framer.WritePing(ack, data), "PING")
}

// WriteWindowUpdate writes a WINDOW_UPDATE frame.
func (p *Peer) WriteWindowUpdate(id, incr uint32) {
	p.t.Helper()
	p.check(p.Framer.WriteWindowUpdate(id, incr), "WINDOW_UPDATE")
}

// WriteRaw writes bytes as they are, for malformed frames.
func (p *Peer) WriteRaw(b []byte) {
	p.t.Helper()
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatalf("h2peer: writing raw bytes: %v", err)
	}
}

// RawFrame builds the bytes of one frame with any type, flags, stream id and
// payload, valid or not.
func RawFrame(typ http2.FrameType, flags http2.Flags, streamID uint32, payload []byte) []byte {
	n := len(payload)
	b := []byte{byte(n >> 16), byte(n >> 8), byte(n), byte(typ), byte(flags),
		byte(streamID >> 24), byte(streamID >> 16), byte(streamID >> 8), byte(streamID)}
	return append(b, payload...)
}

// Summarize describes a frame for failure messages.
func Summarize(f http2.Frame) string {
	var b strings.Builder
	b.WriteString(f.Header().Type.String())
	fmt.Fprintf(&b, " stream=%d len=%d flags=%#x", f.Header().StreamID, f.Header().Length, uint8(f.Header().Flags))
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		for _, hf := range f.Fields {
			fmt.Fprintf(&b, " %s=%q", hf.Name, hf.Value)
		}
	case *http2.RSTStreamFrame:
		fmt.Fprintf(&b, " code=%v", f.ErrCode)
	case *http2.GoAwayFrame:
		fmt.Fprintf(&b, " last=%d code=%v debug=%q", f.LastStreamID, f.ErrCode, f.DebugData())
	case *http2.WindowUpdateFrame:
		fmt.Fprintf(&b, " incr=%d", f.Increment)
	case *http2.PingFrame:
		fmt.Fprintf(&b, " data=%x", f.Data)
	}
	return b.String()
}

// HeaderOf converts a decoded block's regular fields into an http.Header.
func HeaderOf(h *Headers) http.Header {
	out := make(http.Header)
	for _, f := range h.Fields {
		if !strings.HasPrefix(f.Name, ":") {
			out.Add(f.Name, f.Value)
		}
	}
	return out
}
