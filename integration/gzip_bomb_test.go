package integration

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

const (
	bombSize      = 1 << 30 // bytes a bomb inflates to
	bombChunk     = 1 << 20 // zeros per repeated deflate run
	bombHeapBound = 64 << 20
)

// gzipBomb builds a one-member gzip stream that inflates to size zero
// bytes (size a multiple of chunk) while compressing only 2·chunk of
// them: the deflate output for a chunk of zeros, ended by a sync flush so
// that it is byte-aligned and refers only to zeros behind it, is valid
// anywhere after the first chunk, so it is repeated as it is.
func gzipBomb(t testing.TB, size, chunk int) [][]byte {
	t.Helper()
	var out bytes.Buffer
	fw, err := flate.NewWriter(&out, flate.BestCompression)
	require.NoError(t, err)
	zeros := make([]byte, chunk)
	cut := func() []byte {
		_, err := fw.Write(zeros)
		require.NoError(t, err)
		require.NoError(t, fw.Flush())
		b := bytes.Clone(out.Bytes())
		out.Reset()
		return b
	}
	first, again := cut(), cut()
	require.NoError(t, fw.Close())
	end := bytes.Clone(out.Bytes())

	crc := uint32(0)
	for range size / chunk {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	trailer := binary.LittleEndian.AppendUint32(nil, crc)
	trailer = binary.LittleEndian.AppendUint32(trailer, uint32(size))
	// The gzip header: magic, deflate, no flags, no time, no extra flags,
	// unknown OS.
	header := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}

	parts := [][]byte{header, first}
	for range size/chunk - 1 {
		parts = append(parts, again)
	}
	return append(parts, end, trailer)
}

// peakHeap samples the heap every few milliseconds until stop is closed
// and reports the largest HeapAlloc seen.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

var _ = registerSuite("TestGzipBombStreamsWithFlatHeap", TestGzipBombStreamsWithFlatHeap)

// TestGzipBombStreamsWithFlatHeap: a 1 GiB gzip bomb, decoded
// transparently, streams through a reader on HTTP/1.1 and HTTP/2 while the
// heap stays within a small bound of where it started.
func TestGzipBombStreamsWithFlatHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("gzip bomb skipped in -short mode")
	}
	checks(t, "Resources", "RFC 9110 §8.4", "a 1 GiB gzip bomb streams on h1 and h2 with heap growth under 64 MiB")
	bomb := gzipBomb(t, bombSize, bombChunk)
	compressed := 0
	for _, p := range bomb {
		compressed += len(p)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/octet-stream")
		for _, p := range bomb {
			if _, err := w.Write(p); err != nil {
				return
			}
		}
	})
	for _, proto := range []string{"h1", "h2"} {
		t.Run(proto, func(t *testing.T) {
			var s *goServer
			var c *plex.Client
			if proto == "h1" {
				s = startGo(t, h)
				c = newClient(t, s, plex.WithProtocols(plex.HTTP1))
			} else {
				s = startGo(t, h, "h2")
				c = newClient(t, s)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/bomb", nil)
			require.NoError(t, err)

			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base := ms.HeapAlloc
			stop := make(chan struct{})
			peak := peakHeap(stop)
			var once sync.Once
			defer once.Do(func() { close(stop) })

			start := time.Now()
			resp, err := c.RoundTrip(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.True(t, resp.Uncompressed)
			require.Empty(t, resp.Header.Get("Content-Encoding"))
			n, err := io.Copy(io.Discard, resp.Body)
			require.NoError(t, err)
			once.Do(func() { close(stop) })
			top := <-peak
			require.Equal(t, int64(bombSize), n)
			growth := int64(top) - int64(base)
			t.Logf("%s: %d compressed bytes inflated to %d in %v; heap %d MiB before, peak growth %d KiB",
				proto, compressed, n, time.Since(start).Round(time.Millisecond), base>>20, growth>>10)
			require.Less(t, growth, int64(bombHeapBound), "heap grew while streaming the bomb")
		})
	}
}
