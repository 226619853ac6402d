package h2

import "fmt"

// closeKind records how a stream closed, which decides what a late frame on
// it means (RFC 9113 §5.1).
type closeKind uint8

const (
	// closedByUs: we reset the stream (or dropped it unopened by the peer).
	// The peer may have frames in flight that it sent before seeing our
	// RST_STREAM; they are ignored, their DATA still counted for flow
	// control.
	closedByUs closeKind = iota + 1
	// closedByPeerEnd: the peer sent END_STREAM. Nothing of its own can
	// be in flight after that.
	closedByPeerEnd
	// closedByPeerReset: the peer sent RST_STREAM, after which it must
	// send nothing on the stream.
	closedByPeerReset
)

// closedMemory is how many recently closed streams the connection
// remembers. A frame for an older closed stream is ignored: the
// connection cannot tell whether it was legitimately in flight. Like
// nghttp2's closed-stream list, the bound keeps memory fixed whatever the
// peer does; it covers a full default stream limit's worth of closes.
const closedMemory = 128

// closedStream is one entry of closedStreams.
type closedStream struct {
	id  uint32
	how closeKind
}

// closedStreams remembers how the last closedMemory streams closed, in a
// ring: recording costs no allocation, looking up scans it, which happens
// only for frames on streams that are no longer open. Guarded by
// ClientConn.mu.
type closedStreams struct {
	ring [closedMemory]closedStream
	next int
}

func (c *closedStreams) add(id uint32, how closeKind) {
	c.ring[c.next] = closedStream{id: id, how: how}
	c.next = (c.next + 1) % closedMemory
}

// lookup returns how stream id closed, or 0 when it is not remembered.
func (c *closedStreams) lookup(id uint32) closeKind {
	for i := range c.ring {
		if c.ring[i].id == id {
			return c.ring[i].how
		}
	}
	return 0
}

// closeKindOf says how cs, closing now, came to close.
func closeKindOf(cs *stream) closeKind {
	switch {
	case cs.recvEnd:
		return closedByPeerEnd
	case cs.peerReset:
		return closedByPeerReset
	}
	return closedByUs
}

// lateFrameLocked decides what a DATA or HEADERS frame on stream id, which
// is not open, means: a connection error when the peer had closed its side
// (RFC 9113 §5.1: frames after END_STREAM are a connection error of type
// STREAM_CLOSED; frames after RST_STREAM are an error of that type, which
// we, like nghttp2, make a connection error), nil when the frame is to be
// ignored (we reset the stream, or it closed too long ago to remember).
func (cc *ClientConn) lateFrameLocked(what string, id uint32) error {
	switch cc.ended.lookup(id) {
	case closedByPeerEnd:
		return afterEndStreamError(what, id)
	case closedByPeerReset:
		return ConnectionError{Code: ErrCodeStreamClosed, Reason: fmt.Sprintf("%s on stream %d after its RST_STREAM", what, id)}
	}
	return nil
}

// afterEndStreamError is the connection error for DATA or HEADERS on a
// stream after the peer's END_STREAM, whether the stream is still open on
// our side (half-closed (remote)) or closed: RFC 9113 §5.1 makes any frame
// after END_STREAM a connection error of type STREAM_CLOSED, which is also
// what nghttp2 answers.
func afterEndStreamError(what string, id uint32) error {
	return ConnectionError{Code: ErrCodeStreamClosed, Reason: fmt.Sprintf("%s on stream %d after its END_STREAM", what, id)}
}
