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
	// listLimit bounds the block's header list, counted as RFC 9113 §6.5.2
	// counts SETTINGS_MAX_HEADER_LIST_SIZE; 0 means no limit.
	listLimit uint64
	listSize  uint64
	// over is set once the list passed listLimit. From then on nothing of
	// the block is kept: later fields are still decoded, for the table and
	// for Huffman errors, but none is copied unless the table needs it, so
	// one-byte references to a large entry cost no more than their bytes.
	over    bool
	started bool // a field was decoded in this block; size updates must come first
	pending []byte
	out     []byte      // this block's decoded names and values
	fields  []fieldSpan // this block's fields, in order, as ranges of out
	huff    *huffTables
}

// fieldSpan is one decoded field: its name is out[off:off+nameLen] and its
// value follows the name directly.
type fieldSpan struct {
	off, nameLen, valueLen int
	sensitive              bool
}

var errNeedMore = errors.New("hpack: need more bytes")

// initialHeaderTableSize is SETTINGS_HEADER_TABLE_SIZE's initial value
// (RFC 9113 §6.5.2).
const initialHeaderTableSize = 4096

// newHPACKDecoder returns a decoder for a table of at most tableSize bytes
// that refuses string literals over maxString bytes and drops a block's
// fields once their list passes listLimit bytes (0: no limit).
func newHPACKDecoder(tableSize uint32, maxString int, listLimit uint32) *hpackDecoder {
	d := &hpackDecoder{maxTable: tableSize, maxString: maxString, listLimit: uint64(listLimit), huff: huffman()}
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
	d.started, d.over, d.listSize = false, false, 0
}

// tooLarge reports whether the block's header list passed the limit; its
// fields are then all dropped.
func (d *hpackDecoder) tooLarge() bool { return d.over }

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
		nameLen, valueLen, err := d.entryLen(idx)
		if err != nil {
			return 0, err
		}
		// Counted before it is copied: a reference is one byte, the entry
		// up to the table's size.
		if d.admit(nameLen, valueLen) {
			off := len(d.out)
			d.appendEntry(idx, true)
			d.fields = append(d.fields, fieldSpan{off: off, nameLen: nameLen, valueLen: valueLen})
		}
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
	nameMin := minDecodedLen(nameRaw, nameHuff)
	if idx != 0 {
		if nameMin, _, err = d.entryLen(idx); err != nil {
			return 0, err
		}
	}
	// A field sure to pass the limit is not copied first.
	if d.listLimit > 0 && d.listSize+uint64(nameMin+minDecodedLen(valueRaw, valueHuff))+entryOverhead > d.listLimit {
		d.overflow()
	}
	if d.over {
		return pos, d.dropLiteral(idx, nameRaw, nameHuff, valueRaw, valueHuff, index)
	}
	off := len(d.out)
	if idx == 0 {
		if err := d.appendString(nameRaw, nameHuff); err != nil {
			return 0, err
		}
	} else {
		d.appendEntry(idx, false)
	}
	nameLen := len(d.out) - off
	if err := d.appendString(valueRaw, valueHuff); err != nil {
		return 0, err
	}
	valueLen := len(d.out) - off - nameLen
	if index {
		d.table.add(d.out[off:off+nameLen], d.out[off+nameLen:])
	}
	// A refused field leaves the list too large, and out already empty.
	if d.admit(nameLen, valueLen) {
		d.fields = append(d.fields, fieldSpan{off: off, nameLen: nameLen, valueLen: valueLen, sensitive: sensitive})
	}
	return pos, nil
}

// dropLiteral decodes a literal of a block already too large: only what
// the table or the Huffman check needs is decoded, and nothing is kept.
func (d *hpackDecoder) dropLiteral(idx uint64, nameRaw []byte, nameHuff bool, valueRaw []byte, valueHuff, index bool) error {
	off := len(d.out)
	defer func() { d.out = d.out[:off] }()
	dynamicName := idx > uint64(len(staticTable))
	if idx != 0 {
		if _, _, err := d.entryLen(idx); err != nil {
			return err
		}
		if index && !dynamicName {
			d.appendEntry(idx, false)
		}
	} else if nameHuff || index {
		if err := d.appendString(nameRaw, nameHuff); err != nil {
			return err
		}
	}
	nameLen := len(d.out) - off
	value := valueRaw
	if valueHuff {
		if err := d.appendString(valueRaw, true); err != nil {
			return err
		}
		value = d.out[off+nameLen:]
	}
	switch {
	case !index:
	case dynamicName:
		// The new entry takes its name from a table entry: the table
		// copies it once, as it must, and d.out never holds it.
		d.table.addWithNameOf(int(idx-uint64(len(staticTable))), value)
	default:
		d.table.add(d.out[off:off+nameLen], value)
	}
	return nil
}

// admit counts a field against the header list limit and reports whether
// it is kept. The first field over the limit drops the whole list.
func (d *hpackDecoder) admit(nameLen, valueLen int) bool {
	if d.over {
		return false
	}
	if d.listLimit == 0 {
		return true
	}
	d.listSize += uint64(nameLen+valueLen) + entryOverhead
	if d.listSize > d.listLimit {
		d.overflow()
		return false
	}
	return true
}

// overflow drops the block's list, which passed the limit.
func (d *hpackDecoder) overflow() {
	d.over = true
	d.out, d.fields = d.out[:0], d.fields[:0]
}

// minDecodedLen is the least a string literal can decode to: a Huffman
// code is at most 30 bits.
func minDecodedLen(raw []byte, huff bool) int {
	if huff {
		return len(raw) * 8 / 30
	}
	return len(raw)
}

// entryLen returns the name and value lengths of the entry at index idx
// of the combined index space (RFC 7541 §2.3.3), or an error for an index
// past the table's end.
func (d *hpackDecoder) entryLen(idx uint64) (nameLen, valueLen int, err error) {
	if idx <= uint64(len(staticTable)) {
		e := &staticTable[idx-1]
		return len(e[0]), len(e[1]), nil
	}
	i := idx - uint64(len(staticTable))
	if i > uint64(d.table.len()) {
		return 0, 0, fmt.Errorf("hpack: index %d beyond the table's %d entries", idx, len(staticTable)+d.table.len())
	}
	name, value := d.table.at(int(i))
	return len(name), len(value), nil
}

// appendEntry appends the name, and with withValue the value, of the entry
// at index idx, which entryLen has checked.
func (d *hpackDecoder) appendEntry(idx uint64, withValue bool) {
	if idx <= uint64(len(staticTable)) {
		e := &staticTable[idx-1]
		d.grow(len(e[0]) + len(e[1]))
		d.out = append(d.out, e[0]...)
		if withValue {
			d.out = append(d.out, e[1]...)
		}
		return
	}
	name, value := d.table.at(int(idx - uint64(len(staticTable))))
	d.grow(len(name) + len(value))
	d.out = append(d.out, name...)
	if withValue {
		d.out = append(d.out, value...)
	}
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
		d.grow(len(raw))
		d.out = append(d.out, raw...)
		return nil
	}
	d.grow(len(raw)*8/5 + 1) // every code is at least 5 bits
	out, err := d.huff.appendDecoded(d.out, raw)
	d.out = out
	return err
}

// grow makes room for n more bytes in out. append alone grows a large
// slice by a quarter at a time, which for a list near the limit allocates
// about five times the limit over the block. Doubling, and going straight
// to the limit the kept fields cannot pass once half of it is reached,
// allocates at most about twice the limit.
func (d *hpackDecoder) grow(n int) {
	if cap(d.out)-len(d.out) >= n {
		return
	}
	c := 2 * cap(d.out)
	if d.listLimit > 0 && uint64(c) > d.listLimit/2 && uint64(cap(d.out)) < d.listLimit {
		c = int(d.listLimit)
	}
	out := make([]byte, len(d.out), max(c, len(d.out)+n, 512))
	copy(out, d.out)
	d.out = out
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
