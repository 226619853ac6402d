package alpn

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func requireTimeout(t *testing.T, err error) {
	t.Helper()
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "not a timeout: %v", err)
}

// requireHandshakeTimeout checks what a TLS handshake timeout looks like
// to a caller: a net.Error timeout that says so, and not the caller's own
// deadline.
func requireHandshakeTimeout(t *testing.T, err error) {
	t.Helper()
	requireTimeout(t, err)
	require.Contains(t, err.Error(), "TLS handshake timeout")
	require.NotErrorIs(t, err, context.DeadlineExceeded, "a handshake timeout is not the caller's deadline")
	require.NotErrorIs(t, err, context.Canceled)
}

// TestTLSHandshakeTimeoutLikeNetHTTP: against a listener that never
// answers, our handshake timeout is reported the way net/http's Transport
// reports its own, directly and through an https proxy.
func TestTLSHandshakeTimeoutLikeNetHTTP(t *testing.T) {
	srv := serve(t, silent)
	const timeout = 50 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	tr := &http.Transport{TLSHandshakeTimeout: timeout}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+srv.addr()+"/", nil)
	require.NoError(t, err)
	_, netErr := tr.RoundTrip(req)
	requireHandshakeTimeout(t, netErr)

	d := trustingDialer(t)
	d.TLSHandshakeTimeout = timeout
	_, err = d.Dial(ctx, Target{Scheme: "https", Addr: srv.addr()})
	requireHandshakeTimeout(t, err)
	require.ErrorIs(t, err, ErrTLSHandshakeTimeout)
	require.Equal(t, "alpn: tls handshake with "+srv.addr()+": TLS handshake timeout after 50ms", err.Error())
	t.Logf("net/http: %v; alpn: %v", netErr, err)

	// The same, with the silent listener as an https proxy.
	proxyURL := &url.URL{Scheme: "https", Host: srv.addr()}
	ptr := &http.Transport{TLSHandshakeTimeout: timeout, Proxy: http.ProxyURL(proxyURL)}
	defer ptr.CloseIdleConnections()
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, "https://origin.test/", nil)
	require.NoError(t, err)
	_, netErr = ptr.RoundTrip(req)
	requireHandshakeTimeout(t, netErr)

	_, err = d.Dial(ctx, Target{Scheme: "https", Addr: "origin.test:443", Proxy: proxyURL})
	requireHandshakeTimeout(t, err)
	require.ErrorIs(t, err, ErrTLSHandshakeTimeout)
	require.Contains(t, err.Error(), "alpn: tls handshake with proxy "+srv.addr())
}

// TestCallerDeadlineDuringTLSHandshake: when the caller's context expires
// first, the error is the caller's deadline, not a handshake timeout.
func TestCallerDeadlineDuringTLSHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := trustingDialer(t)
		d.DialContext = pipeDial()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := d.Dial(ctx, Target{Scheme: "https", Addr: "localhost:443"})
		require.Equal(t, time.Second, time.Since(start))
		requireTimeout(t, err)
		require.ErrorIs(t, err, ctx.Err())
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotErrorIs(t, err, ErrTLSHandshakeTimeout)

		// Through a proxy as well.
		proxyURL := &url.URL{Scheme: "https", Host: "proxy.test:443"}
		ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
		defer cancel2()
		_, err = d.Dial(ctx2, Target{Scheme: "https", Addr: "origin.test:443", Proxy: proxyURL})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotErrorIs(t, err, ErrTLSHandshakeTimeout)
		require.Contains(t, err.Error(), "alpn: tls handshake with proxy proxy.test:443")
	})
}

// pipeDial returns a DialContext that connects to an in-memory peer which
// reads everything and never answers, for tests under synctest.
func pipeDial() func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) {
		client, peer := net.Pipe()
		go func() {
			buf := make([]byte, 1024)
			for {
				if _, err := peer.Read(buf); err != nil {
					peer.Close()
					return
				}
			}
		}()
		return client, nil
	}
}

func TestTLSHandshakeTimeoutDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := trustingDialer(t)
		d.DialContext = pipeDial()
		start := time.Now()
		_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "localhost:443"})
		requireHandshakeTimeout(t, err)
		require.Equal(t, DefaultTLSHandshakeTimeout, time.Since(start))
	})
}

func TestDialTimeoutReachesUserDialContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{
			DialTimeout: 3 * time.Second,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				<-ctx.Done()
				return nil, errors.New("gave up")
			},
		}
		start := time.Now()
		_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80"})
		requireTimeout(t, err)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 3*time.Second, time.Since(start))
		require.Contains(t, err.Error(), "alpn: dial example.com:80: ")
	})
}

func TestCanceledContextDuringDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered := make(chan struct{})
		d := &Dialer{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			close(entered)
			<-ctx.Done()
			return nil, errors.New("dial aborted")
		}}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := d.Dial(ctx, Target{Scheme: "https", Addr: "example.com:443"})
			errc <- err
		}()
		<-entered
		cancel()
		err := <-errc
		require.ErrorIs(t, err, context.Canceled)
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		require.False(t, ne.Timeout())
	})
}

func TestCanceledContextDuringNetDial(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Dialer{}).Dial(ctx, Target{Scheme: "http", Addr: "127.0.0.1:1"})
	require.ErrorIs(t, err, context.Canceled)
}

func TestCanceledContextDuringTLSHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := trustingDialer(t)
		d.DialContext = pipeDial()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := d.Dial(ctx, Target{Scheme: "https", Addr: "localhost:443"})
			errc <- err
		}()
		synctest.Wait() // the handshake is blocked waiting for the server
		cancel()
		err := <-errc
		require.ErrorIs(t, err, context.Canceled)
		require.Contains(t, err.Error(), "alpn: tls handshake with localhost:443")
	})
}

func TestCallerDeadlineShorterThanDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := d.Dial(ctx, Target{Scheme: "http", Addr: "example.com:80"})
		requireTimeout(t, err)
		require.ErrorIs(t, err, ctx.Err())
	})
}
