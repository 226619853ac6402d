package alpn

import (
	"context"
	"errors"
	"net"
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

func TestTLSHandshakeTimeoutAgainstSilentServer(t *testing.T) {
	srv := serve(t, silent)
	d := trustingDialer(t)
	d.TLSHandshakeTimeout = 50 * time.Millisecond
	_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: srv.addr()})
	requireTimeout(t, err)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "alpn: tls handshake with "+srv.addr())
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
		requireTimeout(t, err)
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
