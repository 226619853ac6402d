package faults

import (
	"fmt"

	"github.com/plexhttp/plex/internal/h2peer"
	"golang.org/x/net/http2"
)

// Limits are what the client under test announced in its opening SETTINGS
// and WINDOW_UPDATE: the bounds a violation must overstep.
type Limits struct {
	StreamWindow      uint32 // SETTINGS_INITIAL_WINDOW_SIZE
	ConnWindow        uint32 // 65535 plus the opening WINDOW_UPDATE
	MaxFrameSize      uint32 // SETTINGS_MAX_FRAME_SIZE
	MaxHeaderListSize uint32 // SETTINGS_MAX_HEADER_LIST_SIZE
}

// Handshake opens the server side of a connection a client has just
// dialed: it reads the preface and the client's SETTINGS, writes settings
// and an ACK, and reads frames until the client's ACK, taking the
// connection WINDOW_UPDATE a client sends to raise its window. A client that does not wait for the server's SETTINGS sends
// its first requests meanwhile: they are returned in order, with the body
// bytes that came with them. Any other frame before the ACK is an error.
func Handshake(p *h2peer.Peer, settings ...http2.Setting) (Limits, []*Request, error) {
	p.ReadPreface()
	got := p.WantSettings()
	lim := Limits{StreamWindow: 65535, ConnWindow: 65535, MaxFrameSize: 16384, MaxHeaderListSize: 1<<32 - 1}
	if v, ok := got[http2.SettingInitialWindowSize]; ok {
		lim.StreamWindow = v
	}
	if v, ok := got[http2.SettingMaxFrameSize]; ok {
		lim.MaxFrameSize = v
	}
	if v, ok := got[http2.SettingMaxHeaderListSize]; ok {
		lim.MaxHeaderListSize = v
	}
	p.WriteSettings(settings...)
	p.WriteSettingsAck()
	var reqs []*Request
	for {
		switch f := p.ReadFrame().(type) {
		case *http2.WindowUpdateFrame:
			if f.StreamID != 0 || len(reqs) > 0 {
				return lim, reqs, fmt.Errorf("faults: unexpected %s in the opening", h2peer.Summarize(f))
			}
			lim.ConnWindow += f.Increment
		case *http2.SettingsFrame:
			if f.IsAck() {
				return lim, reqs, nil
			}
			return lim, reqs, fmt.Errorf("faults: second SETTINGS before the ACK")
		case *http2.MetaHeadersFrame:
			h := &h2peer.Headers{StreamID: f.StreamID, EndStream: f.StreamEnded(), Fields: f.Fields}
			reqs = append(reqs, &Request{Headers: h, Ended: h.EndStream})
		case *http2.DataFrame:
			r := findRequest(reqs, f.StreamID)
			if r == nil || r.Ended {
				return lim, reqs, fmt.Errorf("faults: unexpected %s in the opening", h2peer.Summarize(f))
			}
			r.Body = append(r.Body, f.Data()...)
			r.Ended = f.StreamEnded()
		default:
			return lim, reqs, fmt.Errorf("faults: want SETTINGS ACK, got %s", h2peer.Summarize(f))
		}
	}
}

// Request is a request read from the client: its header block and the body
// bytes read so far.
type Request struct {
	Headers *h2peer.Headers
	Body    []byte
	Ended   bool // END_STREAM seen
}

// ID is the request's stream id.
func (r *Request) ID() uint32 { return r.Headers.StreamID }

// Path is the request's :path.
func (r *Request) Path() string { return r.Headers.Get(":path") }

func findRequest(reqs []*Request, id uint32) *Request {
	for _, r := range reqs {
		if r.ID() == id {
			return r
		}
	}
	return nil
}

// writeLoose writes b straight to the connection and ignores a failure: a
// flood's tail may meet a client that already hung up, as it should.
func writeLoose(p *h2peer.Peer, b []byte) { _, _ = p.Conn().Write(b) }

// WriteBlock writes a header block on id as one HEADERS frame and as many
// CONTINUATION frames as frames of at most frameSize bytes need, in one
// write, ignoring a client that hangs up midway.
func WriteBlock(p *h2peer.Peer, id uint32, endStream bool, block []byte, frameSize uint32) {
	var out []byte
	typ, flags := http2.FrameHeaders, http2.Flags(0)
	if endStream {
		flags = http2.FlagHeadersEndStream
	}
	for first := true; first || len(block) > 0; first = false {
		k := min(len(block), int(frameSize))
		f := flags
		if k == len(block) {
			f |= http2.FlagHeadersEndHeaders
		}
		out = append(out, h2peer.RawFrame(typ, f, id, block[:k])...)
		block = block[k:]
		typ, flags = http2.FrameContinuation, 0
	}
	writeLoose(p, out)
}
