package h1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// manyLines is a response whose header is n bytes of short field lines,
// either all with one name ("a: b") or each with its own ("a123: b").
func manyLines(n int, distinct bool) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\n")
	for i := 0; b.Len() < n; i++ {
		if distinct {
			fmt.Fprintf(&b, "a%d: b\r\n", i)
		} else {
			b.WriteString("a: b\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.Bytes()
}

// allocatedBy reports the bytes allocated while parsing resp.
func allocatedBy(t testing.TB, resp []byte, limit int64) uint64 {
	br := bufio.NewReader(bytes.NewReader(resp))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := readResponse(br, nil, limit)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.NotEmpty(t, r.Header)
	return after.TotalAlloc - before.TotalAlloc
}

// A header of many short lines costs memory in proportion to its size,
// not to its number of lines times a large per-line overhead. (Lines of
// distinct names cost an http.Header map entry each, about 60 bytes, which
// no parser can avoid; BenchmarkParseLargeHeader shows them.)
func TestLargeHeaderMemoryIsProportionalToItsSize(t *testing.T) {
	const ratio = 8
	for _, size := range []int{1 << 20, 10 << 20} {
		t.Run(fmt.Sprintf("%dMiB", size>>20), func(t *testing.T) {
			resp := manyLines(size, false)
			got := allocatedBy(t, resp, 11<<20)
			t.Logf("%d header bytes: %d allocated (%.1fx)", len(resp), got, float64(got)/float64(len(resp)))
			require.Less(t, got, uint64(ratio*len(resp)))
		})
	}
}

func BenchmarkParseLargeHeader(b *testing.B) {
	for _, size := range []int{1 << 20, 10 << 20} {
		for _, distinct := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dMiB/distinct=%v", size>>20, distinct), func(b *testing.B) {
				resp := manyLines(size, distinct)
				rd := bytes.NewReader(resp)
				br := bufio.NewReader(rd)
				b.SetBytes(int64(len(resp)))
				b.ReportAllocs()
				var peak uint64
				for b.Loop() {
					rd.Reset(resp)
					br.Reset(rd)
					if _, err := readResponse(br, nil, 11<<20); err != nil {
						b.Fatal(err)
					}
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}

// A trailer section is bounded on its own, far below the header limit.
func TestTrailerSectionIsBounded(t *testing.T) {
	head := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
	ok := head + "X-Sum: " + strings.Repeat("s", maxTrailerBytes-100) + "\r\n\r\n"
	r, err := readResponse(bufio.NewReader(strings.NewReader(ok)), nil, 0)
	require.NoError(t, err)
	_, err = io.ReadAll(r.Body)
	require.NoError(t, err)
	require.Len(t, r.Trailer.Get("X-Sum"), maxTrailerBytes-100)

	big := head + strings.Repeat("X-Pad: 0123456789\r\n", maxTrailerBytes/10) + "\r\n"
	r, err = readResponse(bufio.NewReader(strings.NewReader(big)), nil, 0)
	require.NoError(t, err)
	_, err = io.ReadAll(r.Body)
	require.ErrorContains(t, err, fmt.Sprintf("h1: response trailer section exceeds %d bytes", maxTrailerBytes))
}
