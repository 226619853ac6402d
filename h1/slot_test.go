package h1

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

const okHello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

func TestReserveTakesTheOnlySlot(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	require.False(t, pc.Multiplexed())
	require.Equal(t, 1, pc.Available())
	require.False(t, pc.IdleSince().IsZero(), "a fresh connection is idle")

	require.True(t, pc.Reserve())
	require.False(t, pc.Reserve(), "only one slot")
	require.Equal(t, 0, pc.Available())
	require.Equal(t, 1, pc.InFlight())
	require.True(t, pc.IdleSince().IsZero())
}

func TestReleaseFreesUnusedSlot(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	mustReserve(t, pc.Conn)
	pc.Release()
	require.Equal(t, 1, pc.Available())
	require.Equal(t, 0, pc.InFlight())
	require.False(t, pc.IdleSince().IsZero())
	require.EqualValues(t, 1, pc.changes.Load())
	pc.Release() // nothing reserved: no effect
	require.EqualValues(t, 1, pc.changes.Load())
}

func TestRoundTripWithoutReserveFails(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	body := &closeCounter{Reader: strings.NewReader("x")}
	_, err := pc.RoundTrip(newReq(t, "POST", "http://h/", body))
	require.EqualError(t, err, "h1: RoundTrip on a connection without a reserved slot")
	require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
	require.Equal(t, 1, body.closes)
	require.NoError(t, pc.Err())
}

func TestSlotFreesWhenBodyReachesEOF(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, answer(okHello))
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.Equal(t, 1, pc.InFlight(), "body unread: the exchange is still on")
	require.EqualValues(t, 0, pc.changes.Load())

	b := make([]byte, 5)
	n, err := resp.Body.Read(b)
	require.Equal(t, 5, n)
	require.ErrorIs(t, err, io.EOF, "the last byte comes with EOF")
	require.Equal(t, 0, pc.InFlight())
	require.Equal(t, 1, pc.Available())
	require.NoError(t, pc.Err())
	require.EqualValues(t, 1, pc.changes.Load())
	require.NoError(t, resp.Body.Close())
	require.EqualValues(t, 1, pc.changes.Load(), "closing after EOF changes nothing")
}

func TestConnCarriesRequestsOneAfterAnother(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		for range 3 {
			if err := answer(okHello)(p); err != nil {
				return err
			}
		}
		return nil
	})
	for range 3 {
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
		require.NoError(t, err)
		require.Equal(t, "hello", readAll(t, resp))
	}
	require.NoError(t, <-done)
	require.NoError(t, pc.Err())
}

func TestResponseConnectionCloseRetiresConn(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, func(p *peer) error {
		if err := answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")(p); err != nil {
			return err
		}
		_, err := p.br.ReadByte()
		return err
	})
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	require.True(t, resp.Close)
	require.EqualError(t, pc.Err(), "h1: server asked to close the connection")
	require.Equal(t, 0, pc.Available())
	require.Equal(t, "ok", readAll(t, resp))
	require.ErrorIs(t, <-done, io.EOF, "the client closed its end")
	require.Equal(t, 0, pc.InFlight())
	require.EqualValues(t, 1, pc.changes.Load())
	require.False(t, pc.Reserve())
}

func TestRequestCloseRetiresConn(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, answer(okHello))
	mustReserve(t, pc.Conn)
	req := newReq(t, "GET", "http://h/", nil)
	req.Header.Set("Connection", "close")
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.Error(t, pc.Err())
	require.Equal(t, "hello", readAll(t, resp))
	require.NoError(t, <-done)
	require.False(t, pc.Reserve())
}

func TestCloseIsIdempotentAndNotifies(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	require.NoError(t, pc.Close())
	require.NoError(t, pc.Close())
	require.EqualError(t, pc.Err(), "h1: connection closed")
	require.Equal(t, 0, pc.Available())
	require.False(t, pc.Reserve())
	require.EqualValues(t, 2, pc.changes.Load())
}

func TestCloseFailsExchangeUnderWay(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	arrived := make(chan struct{})
	serve(t, pc.srv, func(p *peer) error {
		_, _, err := p.readRequest()
		close(arrived)
		return err
	})
	go func() { <-arrived; pc.Close() }()
	mustReserve(t, pc.Conn)
	_, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.ErrorContains(t, err, "h1: connection closed before response (wrote 70 bytes)")
	require.Equal(t, retry.NoResponse, retry.ProgressOf(err))
	require.Equal(t, 0, pc.InFlight())
}
