package integration

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/alpn"
	"github.com/plexhttp/plex/internal/faults"
)

// silentListener accepts TCP connections and never answers.
func silentListener(t *testing.T) *faults.Server {
	t.Helper()
	s, err := faults.Listen(func(c net.Conn, _ int) error {
		_, _ = io.Copy(io.Discard, c)
		return nil
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// requireHandshakeTimeout: a net.Error timeout that says "TLS handshake
// timeout" and is not the caller's deadline, as net/http reports it.
func requireHandshakeTimeout(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "not a timeout: %v", err)
	require.Contains(t, err.Error(), "TLS handshake timeout")
	require.NotErrorIs(t, err, context.DeadlineExceeded)
}

// TestTLSHandshakeTimeoutReportedLikeNetHTTP runs net/http's Transport and
// a plex Client, with the same TLS handshake timeout, against a listener
// that never answers, to the origin and through an https proxy: both
// report a timeout that says what timed out and is not the caller's
// deadline.
func TestTLSHandshakeTimeoutReportedLikeNetHTTP(t *testing.T) {
	silent := silentListener(t)
	const timeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	proxyURL := &url.URL{Scheme: "https", Host: silent.Addr()}
	for _, tc := range []struct {
		name  string
		url   string
		proxy func(*http.Request) (*url.URL, error)
	}{
		{"origin", "https://" + silent.Addr() + "/", nil},
		{"https proxy", "https://origin.test/", http.ProxyURL(proxyURL)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &http.Transport{TLSHandshakeTimeout: timeout, Proxy: tc.proxy}
			defer tr.CloseIdleConnections()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, tc.url, nil)
			require.NoError(t, err)
			_, netErr := tr.RoundTrip(req)
			requireHandshakeTimeout(t, netErr)

			opts := []plex.Option{plex.WithTLSHandshakeTimeout(timeout)}
			if tc.proxy != nil {
				opts = append(opts, plex.WithProxy(tc.proxy))
			}
			c, err := plex.New(opts...)
			require.NoError(t, err)
			defer c.Close()
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, tc.url, nil)
			require.NoError(t, err)
			_, err = c.RoundTrip(req)
			requireHandshakeTimeout(t, err)
			require.ErrorIs(t, err, alpn.ErrTLSHandshakeTimeout)
			t.Logf("net/http: %v\nplex: %v", netErr, err)
		})
	}
}

// TestCallerDeadlineDuringTLSHandshakeIsTheCallers: when the request's own
// deadline ends the handshake, both clients report that deadline.
func TestCallerDeadlineDuringTLSHandshakeIsTheCallers(t *testing.T) {
	silent := silentListener(t)
	url := "https://" + silent.Addr() + "/"

	tr := &http.Transport{TLSHandshakeTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	_, netErr := tr.RoundTrip(req)
	require.ErrorIs(t, netErr, context.DeadlineExceeded)

	c, err := plex.New(plex.WithTLSHandshakeTimeout(time.Minute))
	require.NoError(t, err)
	defer c.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	req, err = http.NewRequestWithContext(ctx2, http.MethodGet, url, nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, ctx2.Err())
	require.NotErrorIs(t, err, alpn.ErrTLSHandshakeTimeout)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
	t.Logf("net/http: %v\nplex: %v", netErr, err)
}
