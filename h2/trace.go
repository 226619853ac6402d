package h2

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
)

// Direction says whether a traced frame was read or written.
type Direction uint8

// Directions of a FrameEvent.
const (
	Read Direction = iota + 1
	Written
)

func (d Direction) String() string {
	switch d {
	case Read:
		return "read"
	case Written:
		return "written"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// FrameEvent describes one frame read or written, for Config.FrameTrace.
// Header blocks are traced frame by frame (HEADERS, then each CONTINUATION)
// as they cross the wire.
type FrameEvent struct {
	Dir      Direction
	Type     string // RFC 9113 frame type name, e.g. "HEADERS"
	StreamID uint32
	Flags    uint8
	Length   uint32 // payload length
	Summary  string // decoded highlights, e.g. "code=CANCEL"
}

// traceWriteLocked reports a frame just written; summary is only evaluated
// by callers when tracing is on (they pass cheap constants otherwise).
func (w *frameWriter) traceWriteLocked(t http2.FrameType, flags http2.Flags, id, length uint32, summary string) {
	if w.trace == nil {
		return
	}
	w.trace(FrameEvent{Dir: Written, Type: t.String(), StreamID: id, Flags: uint8(flags), Length: length, Summary: summary})
}

// traceRead reports a frame the reader goroutine just read.
func (cc *ClientConn) traceRead(f http2.Frame) {
	h := f.Header()
	cc.trace(FrameEvent{Dir: Read, Type: h.Type.String(), StreamID: h.StreamID, Flags: uint8(h.Flags), Length: h.Length, Summary: readSummary(f)})
}

func readSummary(f http2.Frame) string {
	switch f := f.(type) {
	case *http2.DataFrame:
		if f.StreamEnded() {
			return "end_stream"
		}
	case *http2.HeadersFrame:
		var parts []string
		if f.StreamEnded() {
			parts = append(parts, "end_stream")
		}
		if f.HeadersEnded() {
			parts = append(parts, "end_headers")
		}
		return strings.Join(parts, " ")
	case *http2.ContinuationFrame:
		if f.HeadersEnded() {
			return "end_headers"
		}
	case *http2.SettingsFrame:
		if f.IsAck() {
			return "ack"
		}
		var ss []http2.Setting
		_ = f.ForeachSetting(func(s http2.Setting) error { ss = append(ss, s); return nil })
		return settingsSummary(ss)
	case *http2.WindowUpdateFrame:
		return windowSummary(f.Increment)
	case *http2.RSTStreamFrame:
		return codeSummary(ErrCode(f.ErrCode))
	case *http2.PingFrame:
		s := pingSummary(f.Data)
		if f.IsAck() {
			s = "ack " + s
		}
		return s
	case *http2.GoAwayFrame:
		return fmt.Sprintf("last_stream=%d %s debug=%q", f.LastStreamID, codeSummary(ErrCode(f.ErrCode)), f.DebugData())
	}
	return ""
}

func settingsSummary(ss []http2.Setting) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%v=%d", s.ID, s.Val)
	}
	return b.String()
}

func windowSummary(inc uint32) string { return "incr=" + strconv.FormatUint(uint64(inc), 10) }
func codeSummary(c ErrCode) string    { return "code=" + c.String() }
func pingSummary(d [8]byte) string    { return fmt.Sprintf("data=%x", d) }
