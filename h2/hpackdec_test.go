package h2

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"
)

// decodeBlock runs one block through d in the given fragment sizes (the
// rest goes in a last fragment) and returns its fields.
func decodeBlock(d *hpackDecoder, block []byte, frags ...int) ([]hpack.HeaderField, error) {
	d.reset()
	for _, n := range frags {
		n = min(n, len(block))
		if err := d.write(block[:n]); err != nil {
			return nil, err
		}
		block = block[n:]
	}
	if err := d.write(block); err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	var out []hpack.HeaderField
	for _, sp := range d.fields {
		o := d.out[sp.off:]
		out = append(out, hpack.HeaderField{Name: string(o[:sp.nameLen]), Value: string(o[sp.nameLen : sp.nameLen+sp.valueLen]), Sensitive: sp.sensitive})
	}
	return out, nil
}

// xnetDecode is the reference: x/net's decoder on the same bytes.
func xnetDecode(d *hpack.Decoder, block []byte) ([]hpack.HeaderField, error) {
	var out []hpack.HeaderField
	d.SetEmitFunc(func(f hpack.HeaderField) { out = append(out, f) })
	if _, err := d.Write(block); err != nil {
		return nil, err
	}
	if err := d.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

func TestHPACKStaticTableMatchesXNet(t *testing.T) {
	ref := hpack.NewDecoder(4096, nil)
	d := newHPACKDecoder(4096, 1<<16, 0)
	for i := 1; i <= len(staticTable); i++ {
		block := []byte{0x80 | byte(i)}
		want, err := xnetDecode(ref, block)
		require.NoError(t, err)
		got, err := decodeBlock(d, block)
		require.NoError(t, err)
		require.Equal(t, want, got, "static index %d", i)
	}
	_, err := decodeBlock(d, []byte{0x80 | byte(len(staticTable)+1)})
	require.ErrorContains(t, err, "beyond the table")
}

// TestHPACKRoundTripsXNetEncoder decodes what x/net's encoder writes for
// random header lists, with table size changes, split at random points:
// every list comes back as it went in.
func TestHPACKRoundTripsXNetEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"content-type", "date", "server", "x-request-id", "set-cookie", "cache-control", "etag", "x-a", "x-bb", "vary"}
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	d := newHPACKDecoder(4096, 1<<16, 0)
	for block := 0; block < 2000; block++ {
		buf.Reset()
		if block%97 == 5 {
			// Shrinking and growing make the encoder emit size updates
			// and the tables evict.
			enc.SetMaxDynamicTableSize(uint32(rng.IntN(4097)))
		}
		var want []hpack.HeaderField
		want = append(want, hpack.HeaderField{Name: ":status", Value: fmt.Sprint(200 + rng.IntN(300))})
		for range rng.IntN(12) {
			f := hpack.HeaderField{Name: names[rng.IntN(len(names))], Value: strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(300)), Sensitive: rng.IntN(10) == 0}
			want = append(want, f)
		}
		for _, f := range want {
			require.NoError(t, enc.WriteField(f))
		}
		var frags []int
		for range rng.IntN(4) {
			frags = append(frags, rng.IntN(buf.Len()+1))
		}
		got, err := decodeBlock(d, buf.Bytes(), frags...)
		require.NoError(t, err, "block %d", block)
		require.Equal(t, want, got, "block %d", block)
	}
}

func TestHPACKEverySplitPoint(t *testing.T) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	fields := []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "x-long", Value: strings.Repeat("v", 200)}, {Name: "x-new-name", Value: "huffman friendly text"}, {Name: "x-long", Value: strings.Repeat("v", 200)}}
	for _, f := range fields {
		require.NoError(t, enc.WriteField(f))
	}
	block := append([]byte(nil), buf.Bytes()...)
	for i := 0; i <= len(block); i++ {
		for j := i; j <= len(block); j += 7 {
			d := newHPACKDecoder(4096, 1<<16, 0)
			got, err := decodeBlock(d, block, i, j-i)
			require.NoError(t, err, "split at %d and %d", i, j)
			require.Equal(t, fields, got, "split at %d and %d", i, j)
		}
	}
}

func TestHPACKErrors(t *testing.T) {
	long := append([]byte{0x00, 0x7f, 0x81, 0x01}, make([]byte, 300)...) // a 256-byte name
	for _, tc := range []struct {
		name  string
		block []byte
		want  string
	}{
		{"index zero", []byte{0x80}, "index 0"},
		{"index beyond table", []byte{0xbe}, "beyond the table"}, // 62, table empty
		{"name index beyond table", []byte{0x7e, 0x01, 'v'}, "beyond the table"},
		{"size update after field", []byte{0x88, 0x20}, "after a header field"},
		{"size update too large", []byte{0x3f, 0xe2, 0x1f}, "exceeds 4096"}, // 4097
		{"truncated literal", []byte{0x40, 0x03, 'a'}, "block ends inside a field"},
		{"truncated integer", []byte{0xff}, "block ends inside a field"},
		{"integer overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "overflows"},
		{"string too long", long, "exceeds 128"},
		{"invalid huffman", []byte{0x00, 0x81, 0xff, 0x81, 0x00}, "hpack:"}, // EOS padding longer than 7 bits
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newHPACKDecoder(4096, 128, 0)
			_, err := decodeBlock(d, tc.block)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestHPACKSizeUpdatesAtStart(t *testing.T) {
	d := newHPACKDecoder(4096, 1<<16, 0)
	// Literal with incremental indexing, new name "a", value "b".
	got, err := decodeBlock(d, []byte{0x40, 0x01, 'a', 0x01, 'b'})
	require.NoError(t, err)
	require.Equal(t, []hpack.HeaderField{{Name: "a", Value: "b"}}, got)
	require.Equal(t, 1, d.table.len())
	// Two updates may open a block (RFC 7541 §4.2: the smallest, then the
	// final size); shrinking to 0 empties the table.
	got, err = decodeBlock(d, []byte{0x20, 0x3f, 0xe1, 0x07, 0x88})
	require.NoError(t, err)
	require.Equal(t, []hpack.HeaderField{{Name: ":status", Value: "200"}}, got)
	require.Equal(t, 0, d.table.len())
	require.Equal(t, uint32(1024), d.table.max)
}

func TestHPACKTableEviction(t *testing.T) {
	var tb hpackTable
	tb.setMax(100)
	tb.add([]byte("aaaa"), []byte("1111")) // 40
	tb.add([]byte("bbbb"), []byte("2222")) // 80
	require.Equal(t, 2, tb.len())
	tb.add([]byte("cccc"), []byte("3333")) // 120 > 100: the oldest goes
	require.Equal(t, 2, tb.len())
	n, v := tb.at(1)
	require.Equal(t, "cccc3333", string(n)+string(v))
	n, v = tb.at(2)
	require.Equal(t, "bbbb2222", string(n)+string(v))
	tb.add(make([]byte, 50), make([]byte, 50)) // larger than the table: empties it
	require.Equal(t, 0, tb.len())
	require.Equal(t, uint32(0), tb.size)
	for i := range 10000 {
		tb.add([]byte(fmt.Sprint("n", i)), []byte("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"))
		n, v = tb.at(1)
		require.Equal(t, fmt.Sprint("n", i), string(n))
		require.Equal(t, "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", string(v))
	}
	require.LessOrEqual(t, cap(tb.data), 4*100, "the table's bytes stay bounded")
	require.LessOrEqual(t, cap(tb.ents), 64, "the table's entries stay bounded")
}

// An entry named after another, possibly the one it evicts, matches a
// model table through every eviction and compaction.
func TestHPACKTableAddWithNameOf(t *testing.T) {
	type entry struct{ name, value string }
	var tb hpackTable
	tb.setMax(300)
	var model []entry // newest first
	modelSize := func() (n int) {
		for _, e := range model {
			n += len(e.name) + len(e.value) + entryOverhead
		}
		return n
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		value := strings.Repeat("v", rng.IntN(120))
		if len(model) == 0 || rng.IntN(4) == 0 {
			name := fmt.Sprint(strings.Repeat("n", rng.IntN(200)), i)
			tb.add([]byte(name), []byte(value))
			model = append([]entry{{name, value}}, model...)
		} else {
			src := rng.IntN(len(model)) + 1
			tb.addWithNameOf(src, []byte(value))
			model = append([]entry{{model[src-1].name, value}}, model...)
		}
		for modelSize() > 300 {
			model = model[:len(model)-1]
		}
		require.Equal(t, len(model), tb.len(), "after %d adds", i+1)
		for j, e := range model {
			n, v := tb.at(j + 1)
			require.Equal(t, e.name, string(n), "entry %d after %d adds", j+1, i+1)
			require.Equal(t, e.value, string(v), "entry %d after %d adds", j+1, i+1)
		}
	}
	require.LessOrEqual(t, cap(tb.data), 4*300, "the table's bytes stay bounded")
}

func TestHPACKHeaderListLimitStillDecodes(t *testing.T) {
	// Room for ":status: 200" (7+3+32 bytes) and "x-dropped: again"
	// (9+5+32), not for "x-dropped: but indexed" (9+11+32) as well.
	d := newHPACKDecoder(4096, 1<<16, 88)
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"}))
	got, err := decodeBlock(d, buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, []hpack.HeaderField{{Name: ":status", Value: "200"}}, got)
	require.False(t, d.tooLarge())

	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"}))
	buf.Reset()
	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"}))
	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: "x-dropped", Value: "but indexed"}))
	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: "x-dropped", Value: "again"}))
	got, err = decodeBlock(d, buf.Bytes())
	require.NoError(t, err)
	require.True(t, d.tooLarge())
	require.Empty(t, got, "nothing of a list over the limit is kept")
	require.Empty(t, d.out, "nor are its bytes")
	require.Equal(t, 2, d.table.len(), "dropped fields still enter the table")
	n, v := d.table.at(1)
	require.Equal(t, "x-dropped", string(n), "an entry named after a dropped one")
	require.Equal(t, "again", string(v))

	buf.Reset()
	require.NoError(t, enc.WriteField(hpack.HeaderField{Name: "x-dropped", Value: "again"}))
	got, err = decodeBlock(d, buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, []hpack.HeaderField{{Name: "x-dropped", Value: "again"}}, got, "the next block refers to the table the dropped fields filled")
}

// FuzzHPACKDecoder checks the decoder against x/net's on arbitrary blocks:
// the same fields, or both fail. The first byte picks where the input
// splits into blocks and fragments.
func FuzzHPACKDecoder(f *testing.F) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, fl := range [][]hpack.HeaderField{
		{{Name: ":status", Value: "200"}, {Name: "server", Value: "nginx"}, {Name: "date", Value: "Mon, 23 Nov 2026 12:00:00 GMT"}},
		{{Name: ":status", Value: "404"}, {Name: "x-secret", Value: "s", Sensitive: true}, {Name: "server", Value: "nginx"}},
	} {
		buf.Reset()
		for _, fld := range fl {
			_ = enc.WriteField(fld)
		}
		f.Add(append([]byte{0x35}, buf.Bytes()...))
	}
	f.Add([]byte{0x00, 0x3f, 0xe1, 0x07, 0x40, 0x01, 'a', 0x01, 'b', 0xbe})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		split, data := int(data[0]), data[1:]
		blockLen := split&0x0f + 1
		fragLen := split>>4 + 1
		ref := hpack.NewDecoder(4096, nil)
		ref.SetMaxStringLength(1 << 12)
		d := newHPACKDecoder(4096, 1<<12, 0)
		// A second decoder drops most lists; its table must stay in step.
		const listLimit = 80
		limited := newHPACKDecoder(4096, 1<<12, listLimit)
		for len(data) > 0 {
			n := min(len(data), blockLen*4)
			block := data[:n]
			data = data[n:]
			want, werr := xnetDecode(ref, block)
			var frags []int
			for i := fragLen; i < len(block); i += fragLen {
				frags = append(frags, fragLen)
			}
			got, gerr := decodeBlock(d, block, frags...)
			gotLimited, lerr := decodeBlock(limited, block, frags...)
			if (gerr != nil) != (lerr != nil) {
				t.Fatalf("no list limit: %v; limited: %v (block %x)", gerr, lerr, block)
			}
			if sizeUpdateRule(werr) || sizeUpdateRule(gerr) {
				// x/net allows a size update anywhere while its table is
				// empty and only one at a block's start otherwise; RFC 7541
				// §4.2 allows any number at the start and none later.
				return
			}
			if (werr != nil) != (gerr != nil) {
				t.Fatalf("x/net: %v; ours: %v (block %x)", werr, gerr, block)
			}
			if werr != nil {
				return
			}
			if len(want) == 0 {
				want = nil
			}
			if !equalFields(want, got) {
				t.Fatalf("x/net: %q; ours: %q (block %x)", want, got, block)
			}
			var size uint32
			for _, f := range want {
				size += f.Size()
			}
			if limited.tooLarge() != (size > listLimit) {
				t.Fatalf("list of %d bytes: too large %v (block %x)", size, limited.tooLarge(), block)
			}
			if size > listLimit {
				want = nil
			}
			if !equalFields(want, gotLimited) {
				t.Fatalf("x/net: %q; limited: %q (block %x)", want, gotLimited, block)
			}
		}
	})
}

func sizeUpdateRule(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "MUST occur at the beginning") || strings.Contains(err.Error(), "size update after a header field"))
}

func equalFields(a, b []hpack.HeaderField) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// nginxStyleBlock encodes a response the way nginx does: every field a
// literal with incremental indexing and an indexed name, so each block
// adds entries to the decoder's table that nothing refers to later.
func nginxStyleBlock() []byte {
	var b []byte
	b = append(b, 0x88) // :status 200
	for _, f := range []struct {
		idx   byte
		value string
	}{{54, "nginx/1.22.1"}, {33, "Mon, 23 Nov 2026 12:00:00 GMT"}, {31, "text/plain"}, {28, "12"}, {44, "Mon, 23 Nov 2026 11:00:00 GMT"}, {34, `"5f3e-c"`}, {18, "bytes"}} {
		b = append(b, 0x40|f.idx)
		v := hpack.AppendHuffmanString(nil, f.value)
		b = append(b, 0x80|byte(len(v)))
		b = append(b, v...)
	}
	return b
}

func BenchmarkHPACKDecode(b *testing.B) {
	block := nginxStyleBlock()
	b.Run("x-net", func(b *testing.B) {
		var fields []hpack.HeaderField
		d := hpack.NewDecoder(4096, func(f hpack.HeaderField) { fields = append(fields, f) })
		b.ReportAllocs()
		for b.Loop() {
			fields = fields[:0]
			if _, err := d.Write(block); err != nil {
				b.Fatal(err)
			}
			if err := d.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plex", func(b *testing.B) {
		var hb headerBlock
		hb.init(1<<20, initialHeaderTableSize)
		b.ReportAllocs()
		for b.Loop() {
			hb.start(1, false)
			if _, err := hb.add(block, false, true); err != nil {
				b.Fatal(err)
			}
		}
		if len(hb.fields) != 8 {
			b.Fatalf("decoded %d fields, want 8", len(hb.fields))
		}
	})
}
