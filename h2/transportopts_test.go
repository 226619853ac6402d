package h2

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/plexhttp/plex/internal/h2peer"
)

// SETTINGS_HEADER_TABLE_SIZE is announced when it differs from the initial
// 4096, as x/net does.
func TestDecoderHeaderTableSizeIsAnnounced(t *testing.T) {
	for _, tc := range []struct {
		size uint32
		want uint32
		sent bool
	}{{0, 0, false}, {4096, 0, false}, {65536, 65536, true}, {0x7fffffff, 0x7fffffff, true}, {512, 512, true}} {
		runSynctest(t, func(t *testing.T) {
			h := newHarnessNoHandshake(t, &Config{MaxDecoderHeaderTableSize: tc.size})
			h.p.ReadPreface()
			got := h.p.WantSettings()
			v, ok := got[http2.SettingHeaderTableSize]
			require.Equal(t, tc.sent, ok, "size %d", tc.size)
			require.Equal(t, tc.want, v)
		})
	}
}

// respondWithBigTable answers stream id with a header block from an encoder
// whose table is tableSize: a size update, then a field that only a table
// of that size can hold, then a reference to it.
func respondWithBigTable(h *harness, id uint32, tableSize uint32) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	enc.SetMaxDynamicTableSizeLimit(tableSize)
	enc.SetMaxDynamicTableSize(tableSize)
	big := strings.Repeat("v", 6000)
	for _, f := range []hpack.HeaderField{{Name: ":status", Value: "200"}, {Name: "x-big", Value: big}} {
		require.NoError(h.t, enc.WriteField(f))
	}
	block := append([]byte(nil), buf.Bytes()...)
	require.NoError(h.t, h.p.Framer.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}))
}

// The table size we announce is the one the decoder allows: a server using
// 8 KiB of table is fine when we announced 64 KiB, and a compression error
// under the default 4 KiB.
func TestDecoderHeaderTableSizeBoundsTheDecoder(t *testing.T) {
	for _, tc := range []struct {
		size uint32
		ok   bool
	}{{65536, true}, {0, false}} {
		runSynctest(t, func(t *testing.T) {
			h := newHarness(t, &Config{MaxDecoderHeaderTableSize: tc.size})
			ch := h.roundTrip(get(t, "https://example.com/"))
			id := h.p.WantHeaders(nil)
			respondWithBigTable(h, id, 8192)
			r := h.result(ch)
			if tc.ok {
				require.NoError(t, r.err)
				require.Len(t, r.resp.Header.Get("X-Big"), 6000)
				return
			}
			require.Error(t, r.err)
			h.p.WantGoAway(http2.ErrCodeCompression)
		})
	}
}

// firstBlock sends one request and returns the raw header block it went
// out with.
func firstBlock(t *testing.T, h *harness) []byte {
	h.roundTrip(get(t, "https://example.com/"))
	h.p.Framer.ReadMetaHeaders = nil // the raw block, size updates and all
	f := h.p.ReadFrame()
	hf, ok := f.(*http2.HeadersFrame)
	require.True(t, ok, "got %s", h2peer.Summarize(f))
	return append([]byte(nil), hf.HeaderBlockFragment()...)
}

// Our encoder takes what the server allows up to its own cap, and says so
// at the start of the next header block (RFC 7541 §4.2, §6.3): 001 and the
// size as a 5-bit prefix integer.
func TestEncoderHeaderTableSizeCapsTheEncoder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cap   uint32
		peer  []http2.Setting
		first []byte // the block's first bytes; nil: no size update
	}{
		{"server allows more than the cap", 8192, []http2.Setting{{ID: http2.SettingHeaderTableSize, Val: 65536}}, []byte{0x3f, 0xe1, 0x3f}},
		{"server allows more than the default", 0, []http2.Setting{{ID: http2.SettingHeaderTableSize, Val: 65536}}, []byte{0x3f, 0xe1, 0x1f}},
		{"server allows less than the cap", 8192, []http2.Setting{{ID: http2.SettingHeaderTableSize, Val: 100}}, []byte{0x3f, 0x45}},
		{"cap below the initial size", 1024, nil, []byte{0x3f, 0xe1, 0x07}},
		{"defaults", 0, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarness(t, &Config{MaxEncoderHeaderTableSize: tc.cap}, tc.peer...)
				block := firstBlock(t, h)
				if tc.first == nil {
					require.NotEqual(t, byte(0x20), block[0]&0xe0, "no size update")
					return
				}
				require.Equal(t, tc.first, block[:len(tc.first)])
			})
		})
	}
}

// Without keep-alives the connection offers one slot, takes no request
// once the first stream opened, and closes when that stream ends.
func TestDisableKeepAlivesUsesConnectionOnce(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{DisableKeepAlives: true})
		synctest.Wait()
		require.Equal(t, 1, h.cc.Available(), "one request per connection")
		require.True(t, h.cc.Reserve())
		require.Zero(t, h.cc.Available())
		require.False(t, h.cc.Reserve())
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		require.ErrorIs(t, h.cc.Err(), errOneRequest)
		_, err := h.cc.RoundTrip(get(t, "https://example.com/again"))
		require.ErrorIs(t, err, errOneRequest)
		h.p.WriteHeaders(id, false, ":status", "200")
		h.p.WriteData(id, true, []byte("once"))
		r := h.result(ch)
		require.NoError(t, r.err)
		h.p.WantClosed()
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err, "the body that arrived stays readable")
		require.Equal(t, "once", string(body))
	})
}

// A body whose bytes stop coming fails its Read after BodyReadTimeout with
// a timeout; only its stream is reset, and the connection carries on.
func TestBodyReadTimeoutResetsOnlyTheStream(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		const d = 5 * time.Second
		h := newHarness(t, &Config{BodyReadTimeout: d})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)

		// Bytes every 4s never trip a 5s bound.
		buf := make([]byte, 8)
		for range 3 {
			time.Sleep(4 * time.Second)
			h.p.WriteData(id, false, []byte("x"))
			n, err := r.resp.Body.Read(buf)
			require.NoError(t, err)
			require.Equal(t, 1, n)
		}
		start := time.Now()
		_, err := r.resp.Body.Read(buf)
		require.Equal(t, d, time.Since(start))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "want a timeout, got %v", err)
		require.ErrorContains(t, err, "body read timeout")
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		h.p.WantIdle() // no PING: DATA arrived since the stream opened

		require.NoError(t, h.cc.Err())
		ch = h.roundTrip(get(t, "https://example.com/next"))
		id = h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, true, ":status", "204")
		require.NoError(t, h.result(ch).err)
	})
}

func TestTransportOptionsValidated(t *testing.T) {
	require.ErrorContains(t, (&Config{BodyReadTimeout: -1}).Validate(), "h2: BodyReadTimeout -1ns is negative")
}
