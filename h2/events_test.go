package h2

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexhttp/plex/internal/event"
	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

type h2events struct {
	mu      sync.Mutex
	resets  []event.StreamReset
	goaways []event.GoAwayReceived
}

func (e *h2events) listener() *event.Listener {
	return &event.Listener{
		StreamReset:    func(r event.StreamReset) { e.mu.Lock(); e.resets = append(e.resets, r); e.mu.Unlock() },
		GoAwayReceived: func(g event.GoAwayReceived) { e.mu.Lock(); e.goaways = append(e.goaways, g); e.mu.Unlock() },
	}
}

func TestEventsResetsAndGoAway(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		ev := &h2events{}
		origin := event.Origin{Scheme: "https", Addr: "example.com:443"}
		h := newHarness(t, &Config{Events: ev.listener(), ConnID: 7, Origin: origin})

		// The peer resets the first stream.
		ch := h.roundTrip(get(t, "https://example.com/1"))
		id1 := h.p.WantHeaders(nil)
		h.p.WriteRSTStream(id1, http2.ErrCodeInternal)
		require.Error(t, h.result(ch).err)

		// We reset the second, canceled after its headers.
		ctx, cancel := context.WithCancel(context.Background())
		ch = h.roundTrip(getCtx(t, ctx, "https://example.com/2"))
		id2 := h.p.WantHeaders(nil)
		h.p.WriteHeaders(id2, false, ":status", "200")
		r := h.result(ch)
		require.NoError(t, r.err)
		cancel()
		r.resp.Body.Close()
		h.p.WantRSTStream(id2, http2.ErrCodeCancel)

		h.p.WriteGoAway(id2, http2.ErrCodeEnhanceYourCalm, "calm")
		h.p.WantClosed()

		ev.mu.Lock()
		defer ev.mu.Unlock()
		require.Equal(t, []event.StreamReset{
			{Conn: 7, Origin: origin, StreamID: id1, Code: uint32(http2.ErrCodeInternal)},
			{Conn: 7, Origin: origin, StreamID: id2, Code: uint32(http2.ErrCodeCancel), Sent: true},
		}, ev.resets)
		require.Equal(t, []event.GoAwayReceived{{Conn: 7, Origin: origin, LastStreamID: id2,
			Code: uint32(http2.ErrCodeEnhanceYourCalm), Debug: "calm"}}, ev.goaways)
		reason, code := h.cc.CloseReason()
		require.Equal(t, event.ClosePeerGoAway, reason)
		require.Equal(t, uint32(http2.ErrCodeEnhanceYourCalm), code)
	})
}

func TestCloseReasonPeerClose(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		cc, err := NewClientConn(c, nil, nil, nil)
		require.NoError(t, err)
		defer cc.Close()
		h2peer.New(t, s).Handshake()
		require.NoError(t, s.Close())
		<-cc.done
		reason, _ := cc.CloseReason()
		require.Equal(t, event.ClosePeerClose, reason)
	})
}

// A connection whose socket was closed under it, by neither the peer nor
// Close, broke: as on HTTP/1.1, only the peer's own close or reset (see
// event.PeerEnded) counts as peer_close.
func TestCloseReasonSocketClosedUnderneath(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		defer s.Close()
		cc, err := NewClientConn(c, nil, nil, nil)
		require.NoError(t, err)
		defer cc.Close()
		h2peer.New(t, s).Handshake()
		require.NoError(t, c.Close())
		<-cc.done
		require.ErrorIs(t, cc.Err(), net.ErrClosed)
		reason, _ := cc.CloseReason()
		require.Equal(t, event.CloseError, reason)
	})
}

// reentrantHandler asks the connection for its state while handling a
// record, as a handler that reports pool state might. A record emitted with
// the connection's lock held would block that call; the handler then gives
// up after a deadline and counts the record as logged under the lock.
type reentrantHandler struct {
	cc        atomic.Pointer[ClientConn]
	lines     atomic.Int32
	underLock atomic.Int32
}

func (h *reentrantHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *reentrantHandler) Handle(context.Context, slog.Record) error {
	h.lines.Add(1)
	cc := h.cc.Load()
	if cc == nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		_ = cc.Err()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		h.underLock.Add(1)
	}
	return nil
}
func (h *reentrantHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *reentrantHandler) WithGroup(string) slog.Handler      { return h }

// TestNothingLoggedUnderConnLock runs on a real socket pair, outside a
// synctest bubble: a goroutine blocked on a mutex would stop the bubble's
// clock, and with it the handler's deadline.
func TestNothingLoggedUnderConnLock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		s, err := ln.Accept()
		if err == nil {
			accepted <- s
		}
		close(accepted)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	var s net.Conn
	select {
	case s = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted")
	}
	require.NotNil(t, s)
	defer s.Close()
	lh := &reentrantHandler{}
	cc, err := NewClientConn(c, &Config{Logger: slog.New(lh)}, nil, nil)
	require.NoError(t, err)
	lh.cc.Store(cc)
	p := h2peer.New(t, s)
	p.Handshake()
	p.WriteGoAway(0, http2.ErrCodeNo, "")
	p.WantClosed()
	require.NoError(t, cc.Close())
	require.Positive(t, lh.lines.Load(), "the GOAWAY and the close were logged")
	require.Zero(t, lh.underLock.Load(), "records logged with the connection's lock held")
}
