package h2

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"
)

// bombBlock is the largest header block a peer may send us under limit:
// one literal puts a field of about 4 KB in the dynamic table, and every
// byte after it is a one-byte reference to that field (or, with
// indexedName, a two-byte literal that adds another field of the same name
// to the table). Decoded, it is thousands of times the header list limit.
func bombBlock(limit uint32, indexedName bool) []byte {
	var hb headerBlock
	hb.init(limit, initialHeaderTableSize)
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	_ = enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	if indexedName {
		// A 4000-byte name with an empty value; 62 is the newest entry.
		_ = enc.WriteField(hpack.HeaderField{Name: strings.Repeat("x", 4000)})
		for buf.Len()+2 <= hb.maxBytes {
			buf.Write([]byte{0x40 | 62, 0x00})
		}
		return buf.Bytes()
	}
	_ = enc.WriteField(hpack.HeaderField{Name: "x-bomb", Value: strings.Repeat("\x7f", 4000)})
	for buf.Len() < hb.maxBytes {
		buf.WriteByte(0x80 | 62)
	}
	return buf.Bytes()
}

// decodeBomb feeds block to b as a HEADERS frame and CONTINUATION frames of
// the default frame size, as the read loop would.
func decodeBomb(tb testing.TB, b *headerBlock, block []byte) {
	b.start(1, true)
	for first := true; ; first = false {
		n := min(len(block), DefaultMaxReadFrameSize)
		done, err := b.add(block[:n], !first, n == len(block))
		require.NoError(tb, err)
		block = block[n:]
		if done {
			break
		}
	}
	require.True(tb, b.tooLarge, "the block exceeds the header list limit")
}

// xnetDecodeBomb decodes block the way x/net's Framer does once a header
// list is too large: decoding goes on, emitting stops.
func xnetDecodeBomb(tb testing.TB, d *hpack.Decoder, limit uint32, block []byte) {
	remain := limit
	truncated := false
	d.SetEmitEnabled(true)
	d.SetEmitFunc(func(f hpack.HeaderField) {
		if sz := f.Size(); sz > remain {
			d.SetEmitEnabled(false)
			truncated = true
			return
		} else {
			remain -= sz
		}
	})
	for len(block) > 0 {
		n := min(len(block), DefaultMaxReadFrameSize)
		_, err := d.Write(block[:n])
		require.NoError(tb, err)
		block = block[n:]
	}
	require.NoError(tb, d.Close())
	require.True(tb, truncated)
}

func BenchmarkHPACKBomb(b *testing.B) {
	const limit = DefaultMaxHeaderListSize
	for _, c := range []struct {
		name        string
		indexedName bool
	}{{"indexed", false}, {"literal-indexed-name", true}} {
		block := bombBlock(limit, c.indexedName)
		b.Run(c.name+"/x-net", func(b *testing.B) {
			d := hpack.NewDecoder(initialHeaderTableSize, nil)
			d.SetMaxStringLength(len(block))
			b.SetBytes(int64(len(block)))
			b.ReportAllocs()
			for b.Loop() {
				xnetDecodeBomb(b, d, limit, block)
			}
		})
		b.Run(c.name+"/plex", func(b *testing.B) {
			var hb headerBlock
			hb.init(limit, initialHeaderTableSize)
			b.SetBytes(int64(len(block)))
			b.ReportAllocs()
			for b.Loop() {
				decodeBomb(b, &hb, block)
			}
		})
	}
}

// heapAllocated returns the bytes allocated so far by the whole program.
func heapAllocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// A header block decoded far past the header list limit allocates a small
// multiple of the limit, however large the fields it refers to: the
// fields are counted before they are copied. The dynamic table holds at
// most initialHeaderTableSize bytes, so referring to its one entry again
// and again decodes to hundreds of times the limit.
func TestHPACKBombAllocatesAboutTheLimit(t *testing.T) {
	for _, indexedName := range []bool{false, true} {
		for _, limit := range []uint32{16 << 10, 256 << 10, DefaultMaxHeaderListSize} {
			block := bombBlock(limit, indexedName)
			var hb headerBlock
			hb.init(limit, initialHeaderTableSize)
			decodeBomb(t, &hb, block) // buffers that live between blocks
			const rounds = 4
			before := heapAllocated()
			for range rounds {
				decodeBomb(t, &hb, block)
			}
			perBlock := float64(heapAllocated()-before) / rounds
			t.Logf("limit %d, indexed name %v: %d-byte block, %.0f bytes allocated per block", limit, indexedName, len(block), perBlock)
			require.Less(t, perBlock, 3*float64(limit), "a block allocates at most a few times the header list limit")
		}
	}
}
