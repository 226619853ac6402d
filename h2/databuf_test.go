package h2

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDataBufferKeepsOrderAcrossChunks(t *testing.T) {
	var d dataBuffer
	var want bytes.Buffer
	for i, n := range []int{1, chunkSize - 1, chunkSize, 3*chunkSize + 7, 0, 5} {
		p := bytes.Repeat([]byte{byte('a' + i)}, n)
		d.Write(p)
		want.Write(p)
	}
	require.Equal(t, want.Len(), d.Len())
	var got bytes.Buffer
	buf := make([]byte, 1000)
	for d.Len() > 0 {
		n := d.Read(buf)
		require.Positive(t, n)
		got.Write(buf[:n])
	}
	require.Equal(t, want.Bytes(), got.Bytes())
	require.Empty(t, d.chunks, "drained chunks went back to the pool")
	require.Zero(t, d.Read(buf))
}

func TestDataBufferInterleavedWritesAndReads(t *testing.T) {
	var d dataBuffer
	var want, got bytes.Buffer
	buf := make([]byte, 7000)
	for i := range 50 {
		p := bytes.Repeat([]byte{byte(i)}, 5000+i*13)
		d.Write(p)
		want.Write(p)
		n := d.Read(buf)
		got.Write(buf[:n])
	}
	for d.Len() > 0 {
		n := d.Read(buf)
		got.Write(buf[:n])
	}
	require.Equal(t, want.Bytes(), got.Bytes())
}

// A small body takes a small chunk, and a growing one moves up to full-size
// chunks: ten thousand streams with a few dozen bytes each must not hold
// 16 KiB apiece.
func TestDataBufferSizesChunksToWhatArrives(t *testing.T) {
	var d dataBuffer
	d.Write(make([]byte, 43))
	require.Len(t, d.chunks, 1)
	require.LessOrEqual(t, len(d.chunks[0].buf), 256, "a 43-byte body's chunk")
	var sizes []int
	for range 8 {
		d.Write(make([]byte, 300))
	}
	d.Write(make([]byte, 40000))
	for _, c := range d.chunks {
		sizes = append(sizes, len(c.buf))
	}
	require.Equal(t, []int{256, 1 << 10, 4 << 10, chunkSize, chunkSize, chunkSize}, sizes)
	d.Reset()
	d.Write(make([]byte, chunkSize))
	require.Len(t, d.chunks, 1, "a full frame takes one full-size chunk")
	d.Reset()
}

func TestDataBufferReset(t *testing.T) {
	var d dataBuffer
	d.Write(make([]byte, 3*chunkSize))
	d.Reset()
	require.Zero(t, d.Len())
	require.Empty(t, d.chunks)
	d.Write([]byte("again"))
	buf := make([]byte, 10)
	require.Equal(t, "again", string(buf[:d.Read(buf)]))
}

func BenchmarkDataBufferMiB(b *testing.B) {
	frame := make([]byte, 16384)
	buf := make([]byte, 32<<10)
	b.ReportAllocs()
	b.SetBytes(1 << 20)
	var d dataBuffer
	for b.Loop() {
		for range 64 {
			d.Write(frame)
		}
		for d.Len() > 0 {
			d.Read(buf)
		}
	}
}
