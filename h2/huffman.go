package h2

import (
	"bytes"
	"cmp"
	"errors"
	"slices"
	"sync"

	"golang.org/x/net/http2/hpack"
)

// HPACK's Huffman code (RFC 7541 Appendix B) decoded a table lookup per
// symbol: x/net's decoder walks its tree a byte at a time and writes through
// a pooled bytes.Buffer, which was half the cost of decoding a response's
// headers. The code itself is read off x/net's encoder, so there is one
// copy of the RFC's table in the build.

var errHuffman = errors.New("hpack: invalid huffman-encoded string")

// huffCode is one codeword, left-aligned in 32 bits.
type huffCode struct {
	left uint32
	n    uint8
	sym  uint16 // 256 is EOS
}

type huffTables struct {
	// short maps the next 8 bits to the symbol whose code they start
	// with, for codes of at most 8 bits; n is 0 when the code is longer.
	short [256]struct {
		sym byte
		n   uint8
	}
	// codes holds every codeword by left-aligned value: the one a bit
	// string starts with is the last whose value does not exceed it.
	codes []huffCode
}

var huffman = sync.OnceValue(buildHuffman)

func buildHuffman() *huffTables {
	t := &huffTables{}
	for s := range 256 {
		// Eight copies of a symbol take exactly its code length in bytes.
		n := int(hpack.HuffmanEncodeLength(string(bytes.Repeat([]byte{byte(s)}, 8))))
		enc := hpack.AppendHuffmanString(nil, string([]byte{byte(s)}))
		var v uint64
		for _, b := range enc {
			v = v<<8 | uint64(b)
		}
		code := uint32(v >> (8*len(enc) - n))
		t.codes = append(t.codes, huffCode{left: code << (32 - n), n: uint8(n), sym: uint16(s)})
		if n <= 8 {
			base := code << (8 - n)
			for i := range uint32(1) << (8 - n) {
				t.short[base|i].sym, t.short[base|i].n = byte(s), uint8(n)
			}
		}
	}
	t.codes = append(t.codes, huffCode{left: 0xfffffffc, n: 30, sym: 256})
	slices.SortFunc(t.codes, func(a, b huffCode) int { return cmp.Compare(a.left, b.left) })
	return t
}

// appendHuffmanDecoded appends the decoding of src to dst. Padding longer
// than 7 bits or not all ones, and the EOS symbol, are errors (RFC 7541
// §5.2).
func (t *huffTables) appendDecoded(dst, src []byte) ([]byte, error) {
	// Every code is at least 5 bits, so src decodes to at most 8/5 of its
	// length: with room made first, symbols are stored without append's
	// checks. Shift counts are masked with 63 only to spare the compiler's
	// checks for shifts of 64 or more, which cannot happen here.
	n := len(dst)
	dst = slices.Grow(dst, len(src)*8/5+1)
	out := dst[:cap(dst)]
	var acc uint64 // unread bits, right-aligned; bits above them are stale
	var nb uint    // how many
	i := 0
	for {
		if nb < 30 { // a code is at most 30 bits
			for nb <= 56 && i < len(src) {
				acc = acc<<8 | uint64(src[i])
				i++
				nb += 8
			}
		}
		if nb >= 8 {
			if e := t.short[uint8(acc>>((nb-8)&63))]; e.n != 0 {
				out[n] = e.sym
				n++
				nb -= uint(e.n)
				continue
			}
		} else {
			// The input is exhausted. What is left is a short code
			// followed by padding, or padding alone: fewer than 8 bits,
			// all ones. No code of 7 bits or fewer is all ones (they
			// would be prefixes of EOS), so the two cannot be confused.
			ones := uint64(1)<<(nb&63) - 1
			if acc&ones == ones {
				return out[:n], nil
			}
			e := t.short[uint8(acc<<((8-nb)&63))|uint8(0xff>>(nb&63))]
			if e.n == 0 || uint(e.n) > nb {
				return out[:n], errHuffman
			}
			out[n] = e.sym
			n++
			nb -= uint(e.n)
			continue
		}
		var x uint32
		if nb >= 32 {
			x = uint32(acc >> ((nb - 32) & 63))
		} else {
			x = uint32(acc<<((32-nb)&63)) | (uint32(1)<<((32-nb)&63) - 1)
		}
		c := t.find(x)
		if uint(c.n) > nb || c.sym == 256 {
			// EOS, or a long code cut short: 8 or more bits of
			// padding at best.
			return out[:n], errHuffman
		}
		out[n] = byte(c.sym)
		n++
		nb -= uint(c.n)
	}
}

// find returns the codeword x starts with: the last whose left-aligned
// value does not exceed x. codes[0] is all zeros, so there is one.
func (t *huffTables) find(x uint32) huffCode {
	lo, hi := 0, len(t.codes) // codes[lo].left <= x < codes[hi].left
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if t.codes[mid].left <= x {
			lo = mid
		} else {
			hi = mid
		}
	}
	return t.codes[lo]
}
