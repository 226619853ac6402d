package h2

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// recordingWriter keeps every write it gets, failing from the failAt'th
// (counting from 1) on when failAt is set.
type recordingWriter struct {
	writes [][]byte
	failAt int
}

var errWrite = errors.New("write failed")

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.writes = append(r.writes, bytes.Clone(p))
	if r.failAt > 0 && len(r.writes) >= r.failAt {
		return len(p) / 2, errWrite
	}
	return len(p), nil
}

func (r *recordingWriter) sizes() []int {
	var s []int
	for _, w := range r.writes {
		s = append(s, len(w))
	}
	return s
}

func TestBurstBufferHoldsBlockOnlyUntilFlush(t *testing.T) {
	rw := &recordingWriter{}
	bb := burstBuffer{w: rw}
	require.NoError(t, bb.Flush(), "flushing nothing")
	require.Empty(t, rw.writes)
	for _, s := range []string{"one ", "two ", "three"} {
		n, err := bb.Write([]byte(s))
		require.NoError(t, err)
		require.Equal(t, len(s), n)
	}
	require.Equal(t, 13, bb.Buffered())
	require.Empty(t, rw.writes, "nothing leaves before the flush")
	require.NoError(t, bb.Flush())
	require.Equal(t, [][]byte{[]byte("one two three")}, rw.writes)
	require.Zero(t, bb.Buffered())
	require.True(t, bb.b == nil, "the block goes back after the flush")
}

func TestBurstBufferOverflowKeepsOrder(t *testing.T) {
	rw := &recordingWriter{}
	bb := burstBuffer{w: rw}
	var want bytes.Buffer
	for i, n := range []int{20000, 20000, 40000, 10, blockSize - 10, 1} {
		p := bytes.Repeat([]byte{byte(i)}, n)
		want.Write(p)
		_, err := bb.Write(p)
		require.NoError(t, err)
	}
	require.NoError(t, bb.Flush())
	// The second write does not fit behind the first, the third goes
	// straight through after the second, and the next two fill a block.
	require.Equal(t, []int{20000, 20000, 40000, blockSize, 1}, rw.sizes())
	require.Equal(t, want.Bytes(), bytes.Join(rw.writes, nil))
	require.True(t, bb.b == nil)
}

func TestBurstBufferErrorIsSticky(t *testing.T) {
	rw := &recordingWriter{failAt: 1}
	bb := burstBuffer{w: rw}
	_, err := bb.Write([]byte("frame"))
	require.NoError(t, err)
	require.ErrorIs(t, bb.Flush(), errWrite)
	require.True(t, bb.b == nil)
	_, err = bb.Write([]byte("more"))
	require.ErrorIs(t, err, errWrite)
	require.ErrorIs(t, bb.Flush(), errWrite)
	_, err = bb.Write(make([]byte, 2*blockSize))
	require.ErrorIs(t, err, errWrite)
	require.Len(t, rw.writes, 1, "nothing after the failed write reaches the connection")
}

// TestFrameWriterConcurrentWritersKeepFramesWhole has many goroutines write
// frames at once through one frameWriter, as streams do, and reads them all
// back through a connReader.
func TestFrameWriterConcurrentWritersKeepFramesWhole(t *testing.T) {
	const writers, perWriter = 16, 40
	var sink bytes.Buffer // written only under w.mu
	w := &frameWriter{bw: burstBuffer{w: &sink}}
	w.fr = http2.NewFramer(&w.bw, nil)
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for g := range writers {
		wg.Go(func() {
			id := uint32(2*g + 1)
			for i := range perWriter {
				w.begin()
				w.noteLocked(w.fr.WriteData(id, false, writerPayload(g, i)))
				errs <- w.end()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, w.bw.Buffered(), "the last writer flushed")
	require.True(t, w.bw.b == nil, "an idle writer holds no block")

	fr := http2.NewFramer(nil, newConnReader(&sink, always(true)))
	next := make([]int, writers)
	for range writers * perWriter {
		f, err := fr.ReadFrame()
		require.NoError(t, err)
		df := f.(*http2.DataFrame)
		g := int(df.StreamID-1) / 2
		require.True(t, bytes.Equal(writerPayload(g, next[g]), df.Data()), "writer %d frame %d", g, next[g])
		next[g]++
	}
	_, err := fr.ReadFrame()
	require.Error(t, err, "no bytes beyond the frames")
}

// writerPayload is writer g's i'th payload: sizes from empty to a full
// frame, so some bursts overflow a block.
func writerPayload(g, i int) []byte {
	n := (g*7919 + i*3301) % 16385
	label := fmt.Sprintf("%d.%d,", g, i)
	return bytes.Repeat([]byte(label), n/len(label)+1)[:n]
}
