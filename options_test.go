package plex

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

func TestNewRejectsInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithTimeout(-1), "negative timeout"},
		{WithDialTimeout(-time.Second), "negative dial timeout"},
		{WithTLSHandshakeTimeout(-1), "negative tls handshake timeout"},
		{WithResponseHeaderTimeout(-1), "negative response header timeout"},
		{WithExpectContinueTimeout(-1), "negative expect continue timeout"},
		{WithIdleConnTimeout(-1), "negative idle conn timeout"},
		{WithReadIdleTimeout(-1), "negative read idle timeout"},
		{WithPingTimeout(-1), "negative ping timeout"},
		{WithWriteByteTimeout(-1), "negative write byte timeout"},
		{WithMaxConnsPerHost(-1), "negative max conns per host"},
		{WithMaxIdleConns(-2), "negative max idle conns -2"},
		{WithMaxIdleConnsPerHost(-3), "negative max idle conns per host"},
		{WithMaxResponseHeaderBytes(-1), "negative max response header bytes"},
		{WithMaxResponseHeaderBytes(1 << 33), "max response header bytes 8589934592 above"},
		{WithInitialStreamWindowSize(1 << 31), "initial stream window size 2147483648 above 2^31-1"},
		{WithInitialConnWindowSize(1 << 31), "initial conn window size 2147483648 above 2^31-1"},
		{WithMaxReadFrameSize(16383), "max read frame size 16383 outside 16384..16777215"},
		{WithMaxReadFrameSize(1 << 24), "outside 16384..16777215"},
		{WithProtocols(), "empty protocol set"},
		{WithProtocols(HTTP1, Protocol(9)), "unknown protocol 9"},
		{WithDialContext(nil), "nil dial function"},
		{WithRetryBackoff(-1, time.Second), "negative retry backoff base"},
		{WithRetryBackoff(0, -1), "negative retry backoff max"},
		{WithRetryBackoff(time.Second, time.Millisecond), "retry backoff max 1ms below its base 1s"},
		{WithMaxRetries(-1), "negative max retries -1"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c, err := New(tc.opt)
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNewReportsEveryInvalidValueAtOnce(t *testing.T) {
	_, err := New(WithTimeout(-1), WithMaxConnsPerHost(-1), WithMaxReadFrameSize(1), WithProtocols())
	require.Error(t, err)
	require.Len(t, strings.Split(err.Error(), "\n"), 4, "got %q", err)
}

func TestNewAcceptsBoundaryValues(t *testing.T) {
	c, err := New(
		WithInitialStreamWindowSize(1<<31-1),
		WithInitialConnWindowSize(1<<31-1),
		WithMaxReadFrameSize(16384),
		WithMaxReadFrameSize(16777215),
		WithMaxResponseHeaderBytes(1<<32-1),
		WithProtocols(HTTP1, HTTP2, UnencryptedHTTP2),
		WithTimeout(0),
		WithRetryBackoff(0, 0),
		WithMaxRetries(0),
		nil, // a nil option is ignored
	)
	require.NoError(t, err)
	require.NoError(t, c.Close())
}

func TestLaterOptionWins(t *testing.T) {
	c, err := New(WithMaxConnsPerHost(-1), WithMaxConnsPerHost(4))
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, 4, c.cfg.maxConnsPerHost)
}

func TestProtocolString(t *testing.T) {
	require.Equal(t, "HTTP/1.1", HTTP1.String())
	require.Equal(t, "HTTP/2", HTTP2.String())
	require.Equal(t, "h2c", UnencryptedHTTP2.String())
	require.Equal(t, "Protocol(7)", Protocol(7).String())
}

func TestRetryOptionsMakeTheBackoff(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, retry.Backoff{Base: 50 * time.Millisecond, Cap: 2 * time.Second, MaxTries: 6, Jitter: 0.5}, c.backoff)

	off, err := New(WithRetryBackoff(0, 0), WithMaxRetries(0))
	require.NoError(t, err)
	defer off.Close()
	require.False(t, off.backoff.Allows(1), "WithMaxRetries(0) allows no resend")
	require.Zero(t, off.backoff.Delay(3, 0), "a zero base never waits")

	uncapped, err := New(WithRetryBackoff(time.Second, 0), WithMaxRetries(40))
	require.NoError(t, err)
	defer uncapped.Close()
	require.Equal(t, 8*time.Second, uncapped.backoff.Nominal(4))
	require.True(t, uncapped.backoff.Allows(40))
	require.False(t, uncapped.backoff.Allows(41))
}
