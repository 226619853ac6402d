package gzipbody

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errClosed = errors.New("test: read on closed body")

func gzipped(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// pipeBody is a body whose bytes arrive through a pipe, so a Read can wait
// while Close is called, as on a real connection.
type pipeBody struct{ *io.PipeReader }

func TestDecodes(t *testing.T) {
	b := New(io.NopCloser(bytes.NewReader(gzipped(t, "hello, world"))), "h1", errClosed)
	got, err := io.ReadAll(b)
	require.NoError(t, err)
	require.Equal(t, "hello, world", string(got))
	require.NoError(t, b.Close())
}

func TestTruncatedStreamIsAnError(t *testing.T) {
	z := gzipped(t, "hello, world")
	b := New(io.NopCloser(bytes.NewReader(z[:len(z)-4])), "h2", errClosed)
	_, err := io.ReadAll(b)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	require.ErrorContains(t, err, "h2: decompressing gzip response body")
	_, err = b.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the failure is sticky")
}

func TestCorruptHeaderIsAnError(t *testing.T) {
	b := New(io.NopCloser(bytes.NewReader([]byte("not gzip at all"))), "h1", errClosed)
	_, err := b.Read(make([]byte, 10))
	require.ErrorIs(t, err, gzip.ErrHeader)
}

func TestReadAfterCloseReturnsClosedError(t *testing.T) {
	b := New(io.NopCloser(bytes.NewReader(gzipped(t, "x"))), "h1", errClosed)
	require.NoError(t, b.Close())
	_, err := b.Read(make([]byte, 10))
	require.ErrorIs(t, err, errClosed)
}

// Close while a Read waits for bytes ends that Read and is race-free (run
// under -race): both touch the decoder's state.
func TestCloseDuringReadIsRaceFree(t *testing.T) {
	for _, started := range []bool{false, true} {
		pr, pw := io.Pipe()
		b := New(pipeBody{pr}, "h2", errClosed)
		z := gzipped(t, "abcdef")
		readErr := make(chan error, 1)
		if started {
			// The decoder exists and has produced bytes; the rest of the
			// stream (the trailer) never comes.
			go pw.Write(z[:len(z)-8])
			buf := make([]byte, 1)
			_, err := io.ReadFull(b, buf)
			require.NoError(t, err)
			require.Equal(t, "a", string(buf))
		}
		go func() {
			_, err := io.ReadAll(b)
			readErr <- err
		}()
		require.NoError(t, b.Close())
		err := <-readErr
		require.ErrorIs(t, err, errClosed)
	}
}
