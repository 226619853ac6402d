package h2

import (
	"fmt"

	"golang.org/x/net/http2/hpack"
)

// headerBlock assembles one received header block (HEADERS plus any
// CONTINUATION frames), decoding fragments as they arrive: only a field cut
// by a frame boundary waits, in the decoder, for the rest of its bytes.
// Owned by the reader goroutine.
//
// A hostile peer is bounded three ways: once the decoded fields pass
// MaxHeaderListSize the whole list is dropped, each field counted before it
// is copied (the stream is then reset, the connection lives on), and both
// the compressed bytes and the number of CONTINUATION frames of one block
// have hard limits that fail the connection with ENHANCE_YOUR_CALM.
type headerBlock struct {
	dec       *hpackDecoder
	limit     uint32 // our MaxHeaderListSize
	maxBytes  int    // compressed bytes per block
	maxFrames int    // CONTINUATION frames per block
	streamID  uint32
	endStream bool
	frames    int
	bytes     int
	tooLarge  bool // the decoded list passed limit; fields is empty
	fields    []hpack.HeaderField
}

func (b *headerBlock) init(limit, tableSize uint32) {
	b.limit = limit
	// Compressed bytes are at most about the decoded size; allow slack for
	// table size updates and huffman-unfriendly encodings.
	b.maxBytes = int(limit) + 64<<10
	// Enough for a full list in minimum-size frames, far below a flood.
	b.maxFrames = int(limit)/minMaxFrameSize + 64
	// A string must still be decoded when it is too large for the list, so
	// the hpack table stays in step; only the compressed bound caps it.
	b.dec = newHPACKDecoder(tableSize, b.maxBytes, limit)
}

func (b *headerBlock) start(id uint32, endStream bool) {
	b.streamID, b.endStream = id, endStream
	b.frames, b.bytes = 0, 0
	b.tooLarge = false
	clear(b.fields)
	b.fields = b.fields[:0]
	b.dec.reset()
}

// add decodes one fragment; done reports the end of the block.
func (b *headerBlock) add(frag []byte, continuation, endHeaders bool) (done bool, err error) {
	if continuation {
		b.frames++
		if b.frames > b.maxFrames {
			return false, ConnectionError{Code: ErrCodeEnhanceYourCalm, Reason: fmt.Sprintf("header block on stream %d spans more than %d CONTINUATION frames", b.streamID, b.maxFrames)}
		}
	}
	b.bytes += len(frag)
	if b.bytes > b.maxBytes {
		return false, ConnectionError{Code: ErrCodeEnhanceYourCalm, Reason: fmt.Sprintf("header block on stream %d exceeds %d compressed bytes", b.streamID, b.maxBytes)}
	}
	if err := b.dec.write(frag); err != nil {
		return false, ConnectionError{Code: ErrCodeCompression, Reason: fmt.Sprintf("decoding header block on stream %d: %v", b.streamID, err)}
	}
	if !endHeaders {
		return false, nil
	}
	if err := b.dec.end(); err != nil {
		return false, ConnectionError{Code: ErrCodeCompression, Reason: fmt.Sprintf("truncated header block on stream %d: %v", b.streamID, err)}
	}
	b.tooLarge = b.dec.tooLarge()
	b.materialize()
	return true, nil
}

// materialize turns the decoded fields into strings: one allocation for the
// whole block, which every name and value shares.
func (b *headerBlock) materialize() {
	spans := b.dec.fields
	if len(spans) == 0 {
		return
	}
	all := string(b.dec.out)
	for _, sp := range spans {
		name := all[sp.off : sp.off+sp.nameLen]
		value := all[sp.off+sp.nameLen : sp.off+sp.nameLen+sp.valueLen]
		b.fields = append(b.fields, hpack.HeaderField{Name: name, Value: value, Sensitive: sp.sensitive})
	}
}
