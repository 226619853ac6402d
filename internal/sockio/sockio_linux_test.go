package sockio

import (
	"bytes"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	var s net.Conn
	select {
	case s = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
	}
	require.NotNil(t, s)
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

func TestWrapLeavesOtherConnsAlone(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	require.Same(t, a, Wrap(a))
	require.Nil(t, NewReader(a))
	require.Nil(t, NewWriter(a))
}

func TestWrapKeepsTheSocketReachable(t *testing.T) {
	c, _ := tcpPair(t)
	w := Wrap(c)
	require.IsType(t, &Conn{}, w)
	require.Same(t, c, w.(interface{ NetConn() net.Conn }).NetConn())
	require.Equal(t, c.RemoteAddr(), w.RemoteAddr())
}

// A write larger than both sockets' buffers waits in the poller while the
// peer is slow to read, and every byte arrives in order.
func TestLargeWriteWaitsForTheReader(t *testing.T) {
	c, s := tcpPair(t)
	w := Wrap(c)
	r := Wrap(s)
	data := make([]byte, 16<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := w.Write(data)
		done <- result{n, err}
	}()
	require.NoError(t, s.SetReadDeadline(time.Now().Add(30*time.Second)))
	got := make([]byte, len(data))
	// Small reads, so the writer fills the buffers and has to wait.
	buf := make([]byte, 1000)
	off := 0
	for off < len(got) {
		n, err := r.Read(buf)
		require.NoError(t, err)
		off += copy(got[off:], buf[:n])
	}
	select {
	case res := <-done:
		require.NoError(t, res.err)
		require.Equal(t, len(data), res.n)
	case <-time.After(30 * time.Second):
		t.Fatal("write did not finish")
	}
	require.True(t, bytes.Equal(data, got))
}

// A read with nothing to read waits for the peer, then returns what it
// sent; once the peer closes, io.EOF, as net.TCPConn says it.
func TestReadWaitsThenEOF(t *testing.T) {
	c, s := tcpPair(t)
	r := Wrap(c)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	go func() {
		s.Write([]byte("hello"))
		s.CloseWrite()
	}()
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))
	n, err := r.Read(make([]byte, 4))
	require.Zero(t, n)
	require.Equal(t, io.EOF, err)
}

// errorsOf runs the same failing operation on a plain TCPConn and on a
// wrapped one and returns both errors.
func errorsOf(t *testing.T, op func(t *testing.T, c net.Conn, peer *net.TCPConn) error) (plain, wrapped error) {
	c1, s1 := tcpPair(t)
	c2, s2 := tcpPair(t)
	return op(t, c1, s1), op(t, Wrap(c2), s2)
}

func requireSameShape(t *testing.T, plain, wrapped error, target error) {
	t.Helper()
	require.Error(t, plain)
	require.Error(t, wrapped)
	var po, wo *net.OpError
	require.ErrorAs(t, plain, &po)
	require.ErrorAs(t, wrapped, &wo)
	require.Equal(t, po.Op, wo.Op)
	require.Equal(t, po.Net, wo.Net)
	require.ErrorIs(t, plain, target)
	require.ErrorIs(t, wrapped, target)
	var pn, wn net.Error
	require.ErrorAs(t, plain, &pn)
	require.ErrorAs(t, wrapped, &wn)
	require.Equal(t, pn.Timeout(), wn.Timeout())
	require.Equal(t, fmt0(po), fmt0(wo))
}

// fmt0 is an OpError's text without the addresses, which differ per pair.
func fmt0(e *net.OpError) string {
	return e.Op + " " + e.Net + ": " + e.Err.Error()
}

func TestErrorsLookAsTCPConnsDo(t *testing.T) {
	t.Run("read deadline", func(t *testing.T) {
		p, w := errorsOf(t, func(t *testing.T, c net.Conn, _ *net.TCPConn) error {
			require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
			_, err := c.Read(make([]byte, 10))
			return err
		})
		requireSameShape(t, p, w, os.ErrDeadlineExceeded)
	})
	t.Run("read after close", func(t *testing.T) {
		p, w := errorsOf(t, func(t *testing.T, c net.Conn, _ *net.TCPConn) error {
			c.Close()
			_, err := c.Read(make([]byte, 10))
			return err
		})
		requireSameShape(t, p, w, net.ErrClosed)
	})
	t.Run("write after close", func(t *testing.T) {
		p, w := errorsOf(t, func(t *testing.T, c net.Conn, _ *net.TCPConn) error {
			c.Close()
			_, err := c.Write([]byte("x"))
			return err
		})
		requireSameShape(t, p, w, net.ErrClosed)
	})
	t.Run("read reset by peer", func(t *testing.T) {
		p, w := errorsOf(t, func(t *testing.T, c net.Conn, peer *net.TCPConn) error {
			require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
			// Unread input makes the peer's close a reset.
			_, err := c.Write([]byte("unread"))
			require.NoError(t, err)
			require.NoError(t, peer.SetLinger(0))
			peer.Close()
			_, err = c.Read(make([]byte, 10))
			return err
		})
		requireSameShape(t, p, w, syscall.ECONNRESET)
	})
}

// A write that the peer never reads fails at the write deadline, saying
// how much it wrote, as net.TCPConn's does.
func TestWriteDeadlineReportsProgress(t *testing.T) {
	c, _ := tcpPair(t)
	w := Wrap(c)
	require.NoError(t, c.SetWriteDeadline(time.Now().Add(100*time.Millisecond)))
	n, err := w.Write(make([]byte, 64<<20))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
	require.Greater(t, n, 0)
	require.Less(t, n, 64<<20)
}

func TestReadAndWriteDoNotAllocate(t *testing.T) {
	c, s := tcpPair(t)
	w, r := Wrap(c), Wrap(s)
	msg := []byte("ping")
	buf := make([]byte, 16)
	require.NoError(t, s.SetReadDeadline(time.Now().Add(10*time.Second)))
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := w.Write(msg); err != nil {
			panic(err)
		}
		if _, err := io.ReadFull(r, buf[:len(msg)]); err != nil {
			panic(err)
		}
	})
	require.Zero(t, allocs)
}

// Data handed from one goroutine to another through a socket is ordered
// for the race detector as it is through net.TCPConn: the writer's memory
// writes happen before the reader's reads. (Run with -race; without it the
// test has nothing to catch.)
func TestSocketHandOffOrdersMemoryForTheRaceDetector(t *testing.T) {
	c, s := tcpPair(t)
	r, w := Wrap(c), Wrap(s)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	t.Run("raw read of a net.Conn write", func(t *testing.T) {
		var shared int
		go func() {
			shared = 1
			s.Write([]byte{1})
		}()
		_, err := io.ReadFull(r, make([]byte, 1))
		require.NoError(t, err)
		require.Equal(t, 1, shared)
	})
	t.Run("net.Conn read of a raw write", func(t *testing.T) {
		var shared int
		go func() {
			shared = 2
			w.Write([]byte{2})
		}()
		_, err := io.ReadFull(c, make([]byte, 1))
		require.NoError(t, err)
		require.Equal(t, 2, shared)
	})
}

// A read past its deadline allocates no more than net.TCPConn's: the idle
// check of every reused TLS connection makes one.
func TestTimedOutReadAllocatesAsTCPConnsDoes(t *testing.T) {
	c, _ := tcpPair(t)
	r := Wrap(c)
	require.NoError(t, c.SetReadDeadline(time.Unix(1, 0)))
	buf := make([]byte, 1)
	_, err := r.Read(buf)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	plain := testing.AllocsPerRun(50, func() { _, _ = c.Read(buf) })
	wrapped := testing.AllocsPerRun(50, func() { _, _ = r.Read(buf) })
	require.LessOrEqual(t, wrapped, plain)
}
