package alpn

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// mute is a proxy script that reads the rest of the stream and never replies.
func mute(_ net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) }

var testProxyURL = &url.URL{Scheme: "http", Host: "proxy.test:3128"}

func TestCanceledContextDuringConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialContext: scriptedProxy(mute)}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := d.Dial(ctx, Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
			errc <- err
		}()
		synctest.Wait() // CONNECT written, the reply is awaited
		cancel()
		err := <-errc
		require.ErrorIs(t, err, context.Canceled)
		var ne net.Error
		require.ErrorAs(t, err, &ne)
		require.False(t, ne.Timeout(), "a cancellation is not a timeout: %v", err)
		require.Contains(t, err.Error(), "alpn: connect via proxy proxy.test:3128 to example.com:443")
	})
}

func TestConnectBoundedByDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &Dialer{DialContext: scriptedProxy(mute), DialTimeout: 7 * time.Second}
		start := time.Now()
		_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443", Proxy: testProxyURL})
		requireTimeout(t, err)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 7*time.Second, time.Since(start))
	})
}

func TestConnectReplyAfterCancelIsNotUsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reply := make(chan struct{})
		d := &Dialer{H2C: true, DialContext: scriptedProxy(func(peer net.Conn, br *bufio.Reader) {
			<-reply
			io.WriteString(peer, "HTTP/1.1 200 OK\r\n\r\n")
			io.Copy(io.Discard, br)
		})}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			c, err := d.Dial(ctx, Target{Scheme: "http", Addr: "example.com:80", Proxy: testProxyURL})
			if c != nil {
				c.Close()
			}
			errc <- err
		}()
		synctest.Wait()
		cancel()
		close(reply)
		require.ErrorIs(t, <-errc, context.Canceled)
	})
}
