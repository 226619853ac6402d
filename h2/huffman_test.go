package h2

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"
)

func TestHuffmanRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		s := make([]byte, rng.IntN(64))
		for i := range s {
			if rng.IntN(4) == 0 {
				s[i] = byte(rng.IntN(256)) // long codes too
			} else {
				s[i] = byte(' ' + rng.IntN(95))
			}
		}
		enc := hpack.AppendHuffmanString(nil, string(s))
		got, err := huffman().appendDecoded([]byte("prefix:"), enc)
		require.NoError(t, err)
		require.Equal(t, "prefix:"+string(s), string(got))
	}
}

func TestHuffmanEveryCodeLength(t *testing.T) {
	for s := range 256 {
		for n := 1; n <= 9; n++ {
			want := bytes.Repeat([]byte{byte(s)}, n)
			got, err := huffman().appendDecoded(nil, hpack.AppendHuffmanString(nil, string(want)))
			require.NoError(t, err, "symbol %d", s)
			require.Equal(t, want, got, "symbol %d", s)
		}
	}
}

func TestHuffmanInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"padding of 8 ones", []byte{0xff}},
		{"padding of zeros", []byte{0x00 | 0x01<<3}}, // '0' (00000) then 001
		{"EOS inside", []byte{0xff, 0xff, 0xff, 0xfc}},
		{"EOS then more", []byte{0xff, 0xff, 0xff, 0xff, 0x00}},
		{"truncated long code", []byte{0xff, 0xfe}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, werr := hpack.HuffmanDecodeToString(tc.in)
			require.Error(t, werr, "x/net accepts it: the case is wrong")
			_, err := huffman().appendDecoded(nil, tc.in)
			require.ErrorIs(t, err, errHuffman)
		})
	}
}

// FuzzHuffman holds the decoder to x/net's on arbitrary input.
func FuzzHuffman(f *testing.F) {
	f.Add(hpack.AppendHuffmanString(nil, "Mon, 23 Nov 2026 12:00:00 GMT"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xfc})
	f.Add([]byte{0x1f})
	f.Fuzz(func(t *testing.T, in []byte) {
		want, werr := hpack.HuffmanDecodeToString(in)
		got, err := huffman().appendDecoded(nil, in)
		if (werr != nil) != (err != nil) {
			t.Fatalf("x/net: %v; ours: %v (input %x)", werr, err, in)
		}
		if werr == nil && want != string(got) {
			t.Fatalf("x/net: %q; ours: %q (input %x)", want, got, in)
		}
	})
}
