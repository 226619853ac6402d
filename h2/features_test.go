package h2

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestTransparentGzip(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(func(hd *h2peer.Headers) { require.Equal(t, "gzip", hd.Get("accept-encoding")) })
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		zw.Write([]byte("compressed hello"))
		zw.Close()
		h.p.WriteHeaders(id, false, ":status", "200", "content-encoding", "gzip", "content-length", strconv.Itoa(zb.Len()))
		h.p.WriteData(id, true, zb.Bytes())
		r := h.result(ch)
		require.NoError(t, r.err)
		require.True(t, r.resp.Uncompressed)
		require.Equal(t, int64(-1), r.resp.ContentLength)
		require.Empty(t, r.resp.Header.Get("Content-Encoding"))
		body, err := io.ReadAll(r.resp.Body)
		require.NoError(t, err)
		require.Equal(t, "compressed hello", string(body))
		require.NoError(t, r.resp.Body.Close())
		h.p.WantIdle()
	})
}

func TestCallerAcceptEncodingIsNotDecoded(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{UserAgent: "custom/2"})
		req := get(t, "https://example.com/")
		req.Header.Set("Accept-Encoding", "gzip")
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) {
			require.Equal(t, []string{"gzip"}, hd.Values("accept-encoding"))
			require.Equal(t, "custom/2", hd.Get("user-agent"))
		})
		h.p.WriteHeaders(id, false, ":status", "200", "content-encoding", "gzip")
		h.p.WriteData(id, true, []byte("raw"))
		r := h.result(ch)
		require.NoError(t, r.err)
		require.False(t, r.resp.Uncompressed)
		body, _ := io.ReadAll(r.resp.Body)
		require.Equal(t, "raw", string(body))
		h.p.WantIdle()
	})
}

func TestDisableCompression(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, &Config{DisableCompression: true})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(func(hd *h2peer.Headers) { require.Empty(t, hd.Values("accept-encoding")) })
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
	})
}

func TestHEADKeepsContentLength(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		req := get(t, "https://example.com/")
		req.Method = "HEAD"
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) { require.Empty(t, hd.Values("accept-encoding")) })
		h.p.WriteHeaders(id, true, ":status", "200", "content-length", "1234")
		r := h.result(ch)
		require.NoError(t, r.err)
		require.Equal(t, int64(1234), r.resp.ContentLength)
		h.p.WantIdle()
	})
}

func TestLargeRequestHeadersUseContinuation(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		var mu sync.Mutex
		var written []FrameEvent
		trace := func(e FrameEvent) {
			if e.Dir == Written {
				mu.Lock()
				written = append(written, e)
				mu.Unlock()
			}
		}
		h := newHarness(t, &Config{FrameTrace: trace})
		req := get(t, "https://example.com/")
		req.Header.Set("X-Big", strings.Repeat("b", 40000))
		ch := h.roundTrip(req)
		id := h.p.WantHeaders(func(hd *h2peer.Headers) { require.Len(t, hd.Get("x-big"), 40000) })
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		h.p.WantIdle()
		mu.Lock()
		defer mu.Unlock()
		var types []string
		for _, e := range written {
			if e.StreamID == id {
				types = append(types, e.Type)
				require.LessOrEqual(t, e.Length, uint32(16384))
			}
		}
		// 40000 huffman-coded bytes: about 30000 on the wire.
		require.Equal(t, []string{"HEADERS", "CONTINUATION"}, types)
	})
}

func TestFrameTraceSeesReadsAndWrites(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		var mu sync.Mutex
		var events []FrameEvent
		h := newHarness(t, &Config{FrameTrace: func(e FrameEvent) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}})
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteRSTStream(id, http2.ErrCodeRefusedStream)
		h.result(ch)
		h.p.WantIdle()
		mu.Lock()
		defer mu.Unlock()
		want := []FrameEvent{
			{Dir: Written, Type: "SETTINGS", Length: 24},
			{Dir: Written, Type: "WINDOW_UPDATE", Length: 4, Summary: "incr=16711681"},
			{Dir: Read, Type: "SETTINGS"},
			{Dir: Written, Type: "SETTINGS", Flags: 1, Summary: "ack"},
			{Dir: Read, Type: "SETTINGS", Flags: 1, Summary: "ack"},
			{Dir: Written, Type: "HEADERS", StreamID: 1, Flags: 5},
			{Dir: Read, Type: "RST_STREAM", StreamID: 1, Length: 4, Summary: "code=REFUSED_STREAM"},
		}
		require.Len(t, events, len(want))
		for i := range want {
			got := events[i]
			if i == 0 {
				require.Contains(t, got.Summary, "INITIAL_WINDOW_SIZE=1048576")
				got.Summary = ""
			}
			if want[i].Type == "HEADERS" {
				got.Length = 0
			}
			require.Equal(t, want[i], got, "event %d", i)
		}
	})
}

func TestShutdownWaitsForStreams(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		done := make(chan error, 1)
		go func() { done <- h.cc.Shutdown(context.Background()) }()
		synctest.Wait()
		require.ErrorIs(t, h.cc.Err(), ErrShutdown)
		require.Empty(t, done)
		r2 := h.result(h.roundTrip(get(t, "https://example.com/2")))
		require.ErrorIs(t, r2.err, ErrShutdown)
		h.p.WriteHeaders(id, true, ":status", "200")
		require.NoError(t, h.result(ch).err)
		synctest.Wait()
		require.NoError(t, <-done)
		h.p.WantClosed()
	})
}

func TestShutdownHonoursContext(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		h.p.WantHeaders(nil)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		require.ErrorIs(t, h.cc.Shutdown(ctx), context.DeadlineExceeded)
		require.ErrorIs(t, h.result(ch).err, ErrClosed)
		h.p.WantClosed()
	})
}

func TestStalledWriteClosesConn(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.NewPipe(memconn.Options{MaxBuffered: 1024})
		defer s.Close()
		cc, err := NewClientConnAsync(t, c, &Config{WriteByteTimeout: 3 * time.Second})
		require.NoError(t, err)
		defer cc.Close()
		// The peer never reads: the preface fills the buffer, then no write
		// can make progress.
		req := post(t, "https://example.com/", bytes.Repeat([]byte("z"), 4096))
		_, err = cc.RoundTrip(req)
		var ne net.Error
		require.True(t, errors.As(err, &ne) && ne.Timeout(), "got %v", err)
		require.ErrorContains(t, cc.Err(), "write made no progress for 3s")
		// As net/http's write past its deadline: a *net.OpError for a
		// write, naming the bound that expired.
		var oe *net.OpError
		require.ErrorAs(t, err, &oe)
		require.Equal(t, "write", oe.Op)
		require.Equal(t, c.LocalAddr().Network(), oe.Net)
		require.Equal(t, c.RemoteAddr(), oe.Addr)
		require.True(t, oe.Timeout())
	})
}

// NewClientConnAsync builds a ClientConn whose preface write may block,
// returning once it is built.
func NewClientConnAsync(t *testing.T, c net.Conn, cfg *Config) (*ClientConn, error) {
	type res struct {
		cc  *ClientConn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		cc, err := NewClientConn(c, cfg, nil, nil)
		ch <- res{cc, err}
	}()
	r := <-ch
	return r.cc, r.err
}

func TestInvalidConfigRefused(t *testing.T) {
	c, s := memconn.Pipe()
	defer s.Close()
	_, err := NewClientConn(c, &Config{MaxReadFrameSize: 10, InitialStreamWindowSize: 1 << 31}, nil, nil)
	require.ErrorContains(t, err, "MaxReadFrameSize 10")
	require.ErrorContains(t, err, "InitialStreamWindowSize")
	_, err = c.Write([]byte("x"))
	require.Error(t, err, "the conn is closed on error")
}

func TestErrCodeString(t *testing.T) {
	require.Equal(t, "NO_ERROR", ErrCodeNo.String())
	require.Equal(t, "REFUSED_STREAM", ErrCodeRefusedStream.String())
	require.Equal(t, "HTTP_1_1_REQUIRED", ErrCodeHTTP11Required.String())
	require.Equal(t, "ERR_UNKNOWN_0x1f", ErrCode(0x1f).String())
}

// Close from another goroutine while a Read of a gzip body waits for bytes
// must be race-free (this runs under -race in CI) and end the Read.
func TestGzipBodyCloseDuringRead(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		z := gzipBytes([]byte("compressed hello"))
		h.p.WriteHeaders(id, false, ":status", "200", "content-encoding", "gzip")
		h.p.WriteData(id, false, z[:len(z)-8]) // all but the trailer
		r := h.result(ch)
		require.NoError(t, r.err)
		first := make([]byte, 10)
		_, err := io.ReadFull(r.resp.Body, first)
		require.NoError(t, err)
		rest := readAllAsync(r.resp.Body)
		synctest.Wait() // the reader waits inside the decoder for the trailer
		require.NoError(t, r.resp.Body.Close())
		h.p.WantRSTStream(id, http2.ErrCodeCancel)
		res := <-rest
		require.ErrorIs(t, res.err, errBodyClosed)
		require.Equal(t, " hello", string(res.data))
	})
}

// Close while a reader is busy decoding a gzip body, the reader's calls not
// ordered with Close by any lock of the stream: the decoder's state must
// still be guarded (this fails under -race otherwise).
func TestGzipBodyCloseWhileDecoding(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		h := newHarness(t, nil)
		ch := h.roundTrip(get(t, "https://example.com/"))
		id := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id, false, ":status", "200", "content-encoding", "gzip")
		h.p.WriteData(id, true, gzipBytes(bytes.Repeat([]byte("0123456789"), 10000)))
		r := h.result(ch)
		require.NoError(t, r.err)
		started := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			b := make([]byte, 1)
			var err error
			for i := 0; err == nil; i++ {
				_, err = r.resp.Body.Read(b)
				if i == 0 {
					close(started)
				}
			}
			done <- err
		}()
		<-started
		require.NoError(t, r.resp.Body.Close())
		err := <-done
		require.True(t, err == io.EOF || errors.Is(err, errBodyClosed), "read ended with %v", err)
	})
}

func gzipBytes(b []byte) []byte {
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(b)
	zw.Close()
	return zb.Bytes()
}
