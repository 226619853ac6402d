package h2

import (
	"errors"
	"fmt"
)

// hpackDecoder decodes the header blocks a server sends (RFC 7541).
//
// It exists because x/net's hpack.Decoder costs a string allocation per
// literal and keeps, on its dynamic table, the name and value indexes only an
// encoder needs: servers such as nginx add most response fields to the table
// and never refer to them again, so those indexes churn on every response.
// Here every decoded name and value of a block goes into one byte slice that
// becomes a single string when the block ends, and the table keeps plain
// bytes.
//
// A block may be split across HEADERS and CONTINUATION frames at any byte;
// an incomplete representation at the end of a fragment waits in pending for
// the next one. Owned by the reader goroutine.
type hpackDecoder struct {
	table     hpackTable
	maxTable  uint32 // largest table size the peer may set: our SETTINGS_HEADER_TABLE_SIZE
	maxString int    // longest encoded string literal accepted
	started   bool   // a field was decoded in this block; size updates must come first
	pending   []byte
	out       []byte      // this block's decoded names and values
	fields    []fieldSpan // this block's fields, in order, as ranges of out
	// keep reports whether a decoded field fits the header list; a field it
	// refuses is still decoded (the table must stay in step) but not kept.
	keep func(nameLen, valueLen int) bool
	huff *huffTables
}

// fieldSpan is one decoded field: its name is out[off:off+nameLen] and its
// value follows the name directly.
type fieldSpan struct {
	off, nameLen, valueLen int
	sensitive              bool
}

var errNeedMore = errors.New("hpack: need more bytes")

// initialHeaderTableSize is SETTINGS_HEADER_TABLE_SIZE's initial value
// (RFC 9113 §6.5.2); we never announce another, so it bounds the table
// the peer's encoder may use.
const initialHeaderTableSize = 4096

func newHPACKDecoder(tableSize uint32, maxString int, keep func(nameLen, valueLen int) bool) *hpackDecoder {
	d := &hpackDecoder{maxTable: tableSize, maxString: maxString, keep: keep, huff: huffman()}
	d.table.max = tableSize
	return d
}

// reset starts a new block.
func (d *hpackDecoder) reset() {
	// A block far larger than usual does not pin its buffers for the
	// connection's lifetime.
	const keepCap = 64 << 10
	if cap(d.out) > keepCap {
		d.out = nil
	}
	if cap(d.pending) > keepCap {
		d.pending = nil
	}
	d.out, d.pending, d.fields = d.out[:0], d.pending[:0], d.fields[:0]
	d.started = false
}

// write decodes one fragment of the current block.
func (d *hpackDecoder) write(frag []byte) error {
	p := frag
	if len(d.pending) > 0 {
		d.pending = append(d.pending, frag...)
		p = d.pending
	}
	for len(p) > 0 {
		n, err := d.decodeField(p)
		if err == errNeedMore {
			if len(d.pending) == 0 {
				d.pending = append(d.pending, p...)
			} else {
				// p is a suffix of pending; copy handles the overlap.
				d.pending = d.pending[:copy(d.pending, p)]
			}
			return nil
		}
		if err != nil {
			return err
		}
		p = p[n:]
	}
	d.pending = d.pending[:0]
	return nil
}

// end finishes the block; the fields stay readable until the next reset.
func (d *hpackDecoder) end() error {
	if len(d.pending) > 0 {
		return fmt.Errorf("hpack: block ends inside a field (%d bytes left over)", len(d.pending))
	}
	return nil
}

// decodeField decodes the representation at the start of p (RFC 7541 §6)
// and returns its length, or errNeedMore, with nothing changed, when p
// holds only part of it.
func (d *hpackDecoder) decodeField(p []byte) (int, error) {
	b := p[0]
	switch {
	case b&0x80 != 0: // §6.1 indexed field
		idx, n, err := readInt(p, 7)
		if err != nil {
			return 0, err
		}
		if idx == 0 {
			return 0, errors.New("hpack: index 0")
		}
		d.started = true
		off := len(d.out)
		nameLen, valueLen, err := d.appendEntry(idx, true)
		if err != nil {
			return 0, err
		}
		d.record(off, nameLen, valueLen, false)
		return n, nil
	case b&0xc0 == 0x40: // §6.2.1 literal, added to the table
		return d.decodeLiteral(p, 6, true, false)
	case b&0xe0 == 0x20: // §6.3 table size update
		if d.started {
			return 0, errors.New("hpack: dynamic table size update after a header field")
		}
		size, n, err := readInt(p, 5)
		if err != nil {
			return 0, err
		}
		if size > uint64(d.maxTable) {
			return 0, fmt.Errorf("hpack: dynamic table size update to %d exceeds %d", size, d.maxTable)
		}
		d.table.setMax(uint32(size))
		return n, nil
	default: // §6.2.2 and §6.2.3 literals not added to the table
		return d.decodeLiteral(p, 4, false, b&0x10 != 0)
	}
}

// decodeLiteral decodes a literal field whose name index has a prefix of
// prefix bits.
func (d *hpackDecoder) decodeLiteral(p []byte, prefix uint8, index, sensitive bool) (int, error) {
	idx, n, err := readInt(p, prefix)
	if err != nil {
		return 0, err
	}
	// Find both strings before changing anything, so that errNeedMore
	// leaves no trace.
	var nameRaw []byte
	var nameHuff bool
	pos := n
	if idx == 0 {
		nameRaw, nameHuff, n, err = d.readString(p[pos:])
		if err != nil {
			return 0, err
		}
		pos += n
	}
	valueRaw, valueHuff, n, err := d.readString(p[pos:])
	if err != nil {
		return 0, err
	}
	pos += n

	d.started = true
	off := len(d.out)
	if idx == 0 {
		if err := d.appendString(nameRaw, nameHuff); err != nil {
			return 0, err
		}
	} else if _, _, err := d.appendEntry(idx, false); err != nil {
		return 0, err
	}
	nameLen := len(d.out) - off
	if err := d.appendString(valueRaw, valueHuff); err != nil {
		return 0, err
	}
	valueLen := len(d.out) - off - nameLen
	if index {
		d.table.add(d.out[off:off+nameLen], d.out[off+nameLen:])
	}
	d.record(off, nameLen, valueLen, sensitive)
	return pos, nil
}

// record keeps the field just appended at off, or drops its bytes when
// the header list has no room for it.
func (d *hpackDecoder) record(off, nameLen, valueLen int, sensitive bool) {
	if d.keep != nil && !d.keep(nameLen, valueLen) {
		d.out = d.out[:off]
		return
	}
	d.fields = append(d.fields, fieldSpan{off: off, nameLen: nameLen, valueLen: valueLen, sensitive: sensitive})
}

// appendEntry appends the name, and with withValue the value, of the entry
// at index idx of the combined index space (RFC 7541 §2.3.3).
func (d *hpackDecoder) appendEntry(idx uint64, withValue bool) (nameLen, valueLen int, err error) {
	if idx <= uint64(len(staticTable)) {
		e := &staticTable[idx-1]
		d.out = append(d.out, e[0]...)
		if withValue {
			d.out = append(d.out, e[1]...)
			return len(e[0]), len(e[1]), nil
		}
		return len(e[0]), 0, nil
	}
	i := idx - uint64(len(staticTable))
	if i > uint64(d.table.len()) {
		return 0, 0, fmt.Errorf("hpack: index %d beyond the table's %d entries", idx, len(staticTable)+d.table.len())
	}
	name, value := d.table.at(int(i))
	d.out = append(d.out, name...)
	if withValue {
		d.out = append(d.out, value...)
		return len(name), len(value), nil
	}
	return len(name), 0, nil
}

// readString finds the string literal at the start of p (RFC 7541 §5.2).
func (d *hpackDecoder) readString(p []byte) (raw []byte, huff bool, n int, err error) {
	if len(p) == 0 {
		return nil, false, 0, errNeedMore
	}
	length, n, err := readInt(p, 7)
	if err != nil {
		return nil, false, 0, err
	}
	if length > uint64(d.maxString) {
		return nil, false, 0, fmt.Errorf("hpack: string literal of %d bytes exceeds %d", length, d.maxString)
	}
	if uint64(len(p)-n) < length {
		return nil, false, 0, errNeedMore
	}
	return p[n : n+int(length)], p[0]&0x80 != 0, n + int(length), nil
}

func (d *hpackDecoder) appendString(raw []byte, huff bool) error {
	if !huff {
		d.out = append(d.out, raw...)
		return nil
	}
	out, err := d.huff.appendDecoded(d.out, raw)
	d.out = out
	return err
}

// readInt decodes the integer at the start of p with an n-bit prefix
// (RFC 7541 §5.1) and returns it with its length in bytes.
func readInt(p []byte, prefix uint8) (v uint64, n int, err error) {
	if len(p) == 0 {
		return 0, 0, errNeedMore
	}
	max := uint64(1)<<prefix - 1
	v = uint64(p[0]) & max
	if v < max {
		return v, 1, nil
	}
	var shift uint
	for i := 1; i < len(p); i++ {
		c := p[i]
		v += uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
		shift += 7
		if shift > 56 {
			return 0, 0, errors.New("hpack: integer overflows 64 bits")
		}
	}
	return 0, 0, errNeedMore
}
