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
		{WithDialTimeout(-time.Second), "alpn: DialTimeout -1s is negative"},
		{WithTLSHandshakeTimeout(-1), "alpn: TLSHandshakeTimeout -1ns is negative"},
		{WithResponseHeaderTimeout(-1), "ResponseHeaderTimeout -1ns is negative"},
		{WithExpectContinueTimeout(-1), "ExpectContinueTimeout -1ns is negative"},
		{WithIdleConnTimeout(-1), "pool: IdleConnTimeout -1ns is negative"},
		{WithReadIdleTimeout(-1), "h2: ReadIdleTimeout -1ns is negative"},
		{WithPingTimeout(-1), "h2: PingTimeout -1ns is negative"},
		{WithMaxConnsPerHost(-1), "pool: MaxConnsPerHost -1 is negative"},
		{WithMaxIdleConns(-2), "pool: MaxIdleConns -2 is negative"},
		{WithMaxIdleConnsPerHost(-3), "pool: MaxIdleConnsPerHost -3 is negative"},
		{WithMaxResponseHeaderBytes(-1), "h1: MaxResponseHeaderBytes -1 is negative"},
		{WithMaxResponseHeaderBytes(1 << 33), "max response header bytes 8589934592 above"},
		{WithInitialStreamWindowSize(1 << 31), "h2: InitialStreamWindowSize 2147483648 exceeds 2147483647"},
		{WithInitialConnWindowSize(1 << 31), "h2: InitialConnWindowSize 2147483648 outside 65535..2147483647"},
		{WithInitialConnWindowSize(1000), "h2: InitialConnWindowSize 1000 outside 65535..2147483647"},
		{WithMaxStreamWindowSize(1 << 31), "h2: MaxStreamWindowSize 2147483648 exceeds 2147483647"},
		{WithMaxReadFrameSize(16383), "h2: MaxReadFrameSize 16383 outside 16384..16777215"},
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

// A setting both protocols check is reported once, not once per protocol.
func TestNewReportsASharedSettingOnce(t *testing.T) {
	_, err := New(WithResponseHeaderTimeout(-1))
	require.EqualError(t, err, "h1: ResponseHeaderTimeout -1ns is negative")
}

// Every error New reports comes from the rule of the package that uses the
// setting, so what New accepts the connections accept too: a window New let
// through used to fail every HTTP/2 request afterwards.
func TestNewAgreesWithThePackagesConfigs(t *testing.T) {
	c, err := New(WithInitialConnWindowSize(65535), WithWriteByteTimeout(-1))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.h2cfg.Validate())
	require.NoError(t, c.h1cfg.Validate())
	require.NoError(t, c.dialer.Validate())
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

// The adaptive-window options reach the HTTP/2 configuration: on by
// default, off with WithAdaptiveWindow(false), its maximum set apart.
func TestAdaptiveWindowOptions(t *testing.T) {
	c, err := New()
	require.NoError(t, err)
	require.False(t, c.h2cfg.DisableAdaptiveWindow)
	require.Zero(t, c.h2cfg.MaxStreamWindowSize, "zero leaves the default to h2")
	require.NoError(t, c.Close())

	c, err = New(WithAdaptiveWindow(false), WithMaxStreamWindowSize(8<<20))
	require.NoError(t, err)
	require.True(t, c.h2cfg.DisableAdaptiveWindow)
	require.Equal(t, uint32(8<<20), c.h2cfg.MaxStreamWindowSize)
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
