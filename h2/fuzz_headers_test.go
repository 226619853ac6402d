package h2

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/faults"
	"golang.org/x/net/http2/hpack"
)

// FuzzResponseHeaderBlock sends an arbitrary HPACK block as the response
// to a GET and compares the outcome with x/net's HPACK decoder: a block it
// cannot decode must fail the connection with COMPRESSION_ERROR, one it
// decodes must never do so, and an accepted response may only carry
// fields the block encodes, with its :status.
func FuzzResponseHeaderBlock(f *testing.F) {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	block := func(kv ...string) []byte {
		buf.Reset()
		for i := 0; i < len(kv); i += 2 {
			_ = enc.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
		}
		return bytes.Clone(buf.Bytes())
	}
	f.Add(block(":status", "200", "content-type", "text/plain"))
	f.Add(block(":status", "204", "set-cookie", "a=1", "set-cookie", "b=2"))
	f.Add(block("x-a", "1", ":status", "200"))
	f.Add(block(":status", "200", "Upper", "1"))
	f.Add(faults.HPACKBomb(16 << 10))
	f.Add(faults.TableSizeUpdate(8192, 0x88))
	f.Add(faults.TableSizeUpdate(0, 0x88))
	f.Add([]byte{0x88, 0xbe})
	f.Fuzz(func(t *testing.T, b []byte) {
		synctest.Test(t, func(t *testing.T) { checkFuzzedBlock(t, b) })
	})
}

func checkFuzzedBlock(t *testing.T, b []byte) {
	const limit = 16 << 10
	want, decErr := hpack.NewDecoder(4096, nil).DecodeFull(b)
	h := newHarness(t, &Config{MaxHeaderListSize: limit})
	ch := h.roundTrip(get(t, "https://example.com/"))
	id := h.p.WantHeaders(nil)
	faults.WriteBlock(h.p, id, true, b, DefaultMaxReadFrameSize)
	r := h.result(ch)
	var ce ConnectionError
	compression := errors.As(r.err, &ce) && ce.Code == ErrCodeCompression
	if sizeUpdateRule(decErr) || sizeUpdateRule(r.err) {
		// The one rule where the decoders differ on purpose: x/net takes
		// a table size update anywhere while its table is empty, and only
		// one at a block's start otherwise; RFC 7541 §4.2 allows any
		// number at the start and none after a field.
		return
	}
	switch {
	case decErr != nil && !compression:
		t.Fatalf("x/net cannot decode the block (%v); we answered %v", decErr, r.err)
	case decErr == nil && compression:
		t.Fatalf("x/net decodes the block; we failed with %v", r.err)
	case r.err != nil:
		return
	}
	var size uint32
	var status string
	fields := map[string]int{}
	for _, f := range want {
		size += f.Size()
		if f.Name == ":status" {
			status = f.Value
		} else {
			fields[http.CanonicalHeaderKey(f.Name)+"\x00"+f.Value]++
		}
	}
	if size > limit {
		t.Fatalf("accepted a %d-byte header list above our %d limit", size, limit)
	}
	if got := strconv.Itoa(r.resp.StatusCode); got != status {
		t.Fatalf("status %s, block has :status %q", got, status)
	}
	for k, vv := range r.resp.Header {
		for _, v := range vv {
			key := k + "\x00" + v
			if fields[key] == 0 {
				t.Fatalf("field %s: %q is not in the block %q", k, v, want)
			}
			fields[key]--
		}
	}
	for k, n := range fields {
		if n > 0 && !strings.HasPrefix(k, "Content-Encoding\x00") {
			t.Fatalf("field %q of the block is missing from the response", k)
		}
	}
}
