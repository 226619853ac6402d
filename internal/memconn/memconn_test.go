package memconn

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

var _ net.Conn = (*Conn)(nil)

func TestWriteCompletesWithoutReader(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	defer b.Close()
	n, err := a.Write([]byte("hello"))
	require.NoError(t, err)
	require.Equal(t, 5, n)
	require.Equal(t, 5, b.Buffered())
	buf := make([]byte, 10)
	n, err = b.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "hello", string(buf[:n]))
	require.Equal(t, 0, b.Buffered())
}

func TestReadWaitsForData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		got := make(chan string, 1)
		go func() {
			buf := make([]byte, 10)
			n, _ := b.Read(buf)
			got <- string(buf[:n])
		}()
		synctest.Wait()
		require.Empty(t, got)
		a.Write([]byte("x"))
		synctest.Wait()
		require.Equal(t, "x", <-got)
	})
}

func TestCloseWriteGivesEOFAfterData(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	defer b.Close()
	a.Write([]byte("tail"))
	require.NoError(t, a.CloseWrite())
	data, err := io.ReadAll(b)
	require.NoError(t, err)
	require.Equal(t, "tail", string(data))
	_, err = a.Write([]byte("more"))
	require.Error(t, err)
}

func TestCloseFailsPeerWritesAndLocalOps(t *testing.T) {
	a, b := Pipe()
	require.NoError(t, a.Close())
	_, err := b.Write([]byte("x"))
	require.Error(t, err)
	_, err = a.Read(make([]byte, 1))
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = b.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
	b.Close()
}

func TestReadDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := Pipe()
		defer a.Close()
		defer b.Close()
		start := time.Now()
		b.SetReadDeadline(start.Add(2 * time.Second))
		_, err := b.Read(make([]byte, 1))
		require.True(t, errors.Is(err, os.ErrDeadlineExceeded))
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout())
		require.Equal(t, 2*time.Second, time.Since(start))
		b.SetReadDeadline(time.Time{})
		a.Write([]byte("y"))
		n, err := b.Read(make([]byte, 1))
		require.NoError(t, err)
		require.Equal(t, 1, n)
	})
}

func TestBoundedWriteBlocksUntilRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewPipe(Options{MaxBuffered: 4})
		defer a.Close()
		defer b.Close()
		done := make(chan int, 1)
		go func() {
			n, _ := a.Write([]byte("abcdefgh"))
			done <- n
		}()
		synctest.Wait()
		require.Empty(t, done)
		require.Equal(t, 4, b.Buffered())
		buf := make([]byte, 8)
		n, _ := io.ReadFull(b, buf)
		require.Equal(t, 8, n)
		synctest.Wait()
		require.Equal(t, 8, <-done)
	})
}

func TestWriteDeadlineOnFullBuffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := NewPipe(Options{MaxBuffered: 2})
		defer a.Close()
		defer b.Close()
		a.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := a.Write([]byte("abc"))
		require.Equal(t, 2, n)
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
}

func TestTrickleLimitsReads(t *testing.T) {
	a, b := NewPipe(Options{Trickle: 3})
	defer a.Close()
	defer b.Close()
	a.Write([]byte("abcdefg"))
	buf := make([]byte, 10)
	n, err := b.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "abc", string(buf[:n]))
}
