package h2

import (
	"bytes"
	"strings"
	"testing"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Fields past the header list limit are dropped, but they must still be
// decoded: invalid Huffman data in one is a COMPRESSION_ERROR (RFC 7541
// §5.2), not a stream reset for an oversized list.
func TestInvalidHuffmanPastHeaderLimitIsCompressionError(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{MaxHeaderListSize: 1024})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		var block bytes.Buffer
		enc := hpack.NewEncoder(&block)
		require.NoError(t, enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"}))
		require.NoError(t, enc.WriteField(hpack.HeaderField{Name: "x-big", Value: strings.Repeat("a", 2000), Sensitive: true}))
		// Literal never indexed, new name "a", Huffman value of one byte
		// 0xff: eight bits of padding, which §5.2 forbids.
		block.Write([]byte{0x10, 0x01, 'a', 0x81, 0xff})
		h.p.WriteRaw(h2peer.RawFrame(http2.FrameHeaders, http2.FlagHeadersEndHeaders|http2.FlagHeadersEndStream, id, block.Bytes()))
		h.p.WantGoAway(http2.ErrCodeCompression)
		h.p.WantClosed()
		var ce ConnectionError
		require.ErrorAs(t, h.result(ch).err, &ce)
		require.Equal(t, ErrCodeCompression, ce.Code)
	})
}
