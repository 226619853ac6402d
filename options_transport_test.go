package plex

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/alpn"
)

func TestTransportOptionsRejected(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want string
	}{
		{WithReadBufferSize(-1), "h1: ReadBufferSize -1 is negative"},
		{WithWriteBufferSize(-1), "h1: WriteBufferSize -1 is negative"},
		{WithBodyReadTimeout(-time.Second), "BodyReadTimeout -1s is negative"},
		{WithDialTLSContext(nil), "nil TLS dial function"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c, err := New(tc.opt)
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := New(WithBodyReadTimeout(-1))
	require.EqualError(t, err, "h1: BodyReadTimeout -1ns is negative", "reported once for both protocols")
}

func TestTransportOptionsReachTheConnections(t *testing.T) {
	dialTLS := func(context.Context, string, string) (net.Conn, error) { return nil, nil }
	c, err := New(
		WithDisableKeepAlives(true),
		WithDialTLSContext(dialTLS),
		WithBodyReadTimeout(3*time.Second),
		WithReadBufferSize(64<<10),
		WithWriteBufferSize(32<<10),
		WithMaxDecoderHeaderTableSize(1<<16),
		WithMaxEncoderHeaderTableSize(1<<13),
		WithWriteByteTimeout(NoWriteByteTimeout),
	)
	require.NoError(t, err)
	defer c.Close()
	require.True(t, c.h1cfg.DisableKeepAlives)
	require.True(t, c.h2cfg.DisableKeepAlives)
	require.NotNil(t, c.dialer.DialTLSContext)
	require.Equal(t, 3*time.Second, c.h1cfg.BodyReadTimeout)
	require.Equal(t, 3*time.Second, c.h2cfg.BodyReadTimeout)
	require.Equal(t, 64<<10, c.h1cfg.ReadBufferSize)
	require.Equal(t, 32<<10, c.h1cfg.WriteBufferSize)
	require.Equal(t, uint32(1<<16), c.h2cfg.MaxDecoderHeaderTableSize)
	require.Equal(t, uint32(1<<13), c.h2cfg.MaxEncoderHeaderTableSize)
	require.Negative(t, c.h1cfg.WriteByteTimeout)
	require.Negative(t, c.h2cfg.WriteByteTimeout)

	d, err := New()
	require.NoError(t, err)
	defer d.Close()
	require.False(t, d.h1cfg.DisableKeepAlives)
	require.Nil(t, d.dialer.DialTLSContext)
	require.Zero(t, d.h1cfg.BodyReadTimeout)
	require.Zero(t, d.h1cfg.ReadBufferSize, "h1.DefaultBufferSize")
}

// tlsServer is a TLS server speaking HTTP/2 and HTTP/1.1 that counts the
// connections it accepted.
type tlsServer struct {
	*httptest.Server
	conns atomic.Int32
	roots *x509.CertPool
}

func newTLSServer(t *testing.T, h http.Handler) *tlsServer {
	s := &tlsServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.EnableHTTP2 = true
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	s.roots = x509.NewCertPool()
	s.roots.AddCert(s.Certificate())
	return s
}

func (s *tlsServer) clientTLS() *tls.Config { return &tls.Config{RootCAs: s.roots} }

func protoHandler(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	io.WriteString(w, r.Proto)
}

// get does a GET and returns the body, checking the protocol.
func getProto(t *testing.T, c *Client, url, proto string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, proto, resp.Proto)
	require.Equal(t, proto, string(b), "the server saw it too")
}

// As with http.Transport.DisableKeepAlives, each request gets a connection
// of its own, on both protocols; with keep-alives they share one.
func TestDisableKeepAlivesOnBothProtocols(t *testing.T) {
	for _, tc := range []struct {
		proto Protocol
		name  string
	}{{HTTP1, "HTTP/1.1"}, {HTTP2, "HTTP/2.0"}} {
		for _, disable := range []bool{true, false} {
			t.Run(tc.name, func(t *testing.T) {
				srv := newTLSServer(t, http.HandlerFunc(protoHandler))
				c, err := New(WithTLSConfig(srv.clientTLS()), WithProtocols(tc.proto), WithDisableKeepAlives(disable))
				require.NoError(t, err)
				defer c.Close()
				for range 3 {
					getProto(t, c, srv.URL, tc.name)
				}
				want := int32(1)
				if disable {
					want = 3
				}
				require.Equal(t, want, srv.conns.Load(), "connections, keep-alives disabled: %v", disable)
				if disable {
					require.Zero(t, c.Stats().Reuses, "no connection carried a second request")
				}
			})
		}
	}
}

// dialTLSWith dials TLS offering protos, counting its calls.
func dialTLSWith(cfg *tls.Config, protos []string, calls *atomic.Int32) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		calls.Add(1)
		cfg := cfg.Clone()
		cfg.NextProtos = protos
		d := tls.Dialer{Config: cfg}
		return d.DialContext(ctx, network, addr)
	}
}

// DialTLSContext makes the connection; its ALPN result picks the protocol.
func TestDialTLSContextOnBothProtocols(t *testing.T) {
	for _, tc := range []struct {
		protos []string
		want   string
	}{{[]string{"h2", "http/1.1"}, "HTTP/2.0"}, {[]string{"http/1.1"}, "HTTP/1.1"}, {nil, "HTTP/1.1"}} {
		t.Run(tc.want, func(t *testing.T) {
			srv := newTLSServer(t, http.HandlerFunc(protoHandler))
			var calls atomic.Int32
			c, err := New(WithDialTLSContext(dialTLSWith(srv.clientTLS(), tc.protos, &calls)))
			require.NoError(t, err)
			defer c.Close()
			getProto(t, c, srv.URL, tc.want)
			getProto(t, c, srv.URL, tc.want)
			require.Equal(t, int32(1), calls.Load(), "one connection, reused")
		})
	}
}

// An HTTP/2 connection from DialTLSContext when only HTTP/1.1 is allowed
// fails clearly instead of speaking the wrong protocol.
func TestDialTLSContextProtocolNotAllowed(t *testing.T) {
	srv := newTLSServer(t, http.HandlerFunc(protoHandler))
	var calls atomic.Int32
	c, err := New(WithProtocols(HTTP1), WithDialTLSContext(dialTLSWith(srv.clientTLS(), []string{"h2"}, &calls)))
	require.NoError(t, err)
	defer c.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, alpn.ErrALPN)
}

// A clone has the same options and a pool of its own: it dials its own
// connections, and outlives the original's Close.
func TestCloneSharesNoConnections(t *testing.T) {
	for _, tc := range []struct {
		proto Protocol
		name  string
	}{{HTTP1, "HTTP/1.1"}, {HTTP2, "HTTP/2.0"}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTLSServer(t, http.HandlerFunc(protoHandler))
			c, err := New(WithTLSConfig(srv.clientTLS()), WithProtocols(tc.proto), WithUserAgent("clone-test"))
			require.NoError(t, err)
			getProto(t, c, srv.URL, tc.name)

			cl := c.Clone()
			defer cl.Close()
			require.Equal(t, c.cfg.userAgent, cl.cfg.userAgent)
			require.Equal(t, c.cfg.protocols, cl.cfg.protocols)
			require.NotSame(t, c.pool, cl.pool)
			require.NotSame(t, c.cfg.tlsConfig, cl.cfg.tlsConfig, "the TLS configuration is cloned")
			getProto(t, cl, srv.URL, tc.name)
			require.Equal(t, int32(2), srv.conns.Load(), "the clone dialed its own connection")

			require.NoError(t, c.Close())
			getProto(t, cl, srv.URL, tc.name)
			require.Equal(t, int32(2), srv.conns.Load(), "the clone's connection lives on")

			again := c.Clone()
			defer again.Close()
			getProto(t, again, srv.URL, tc.name)
		})
	}
}

// Clone may run while the original is in use.
func TestCloneConcurrentWithUse(t *testing.T) {
	srv := newTLSServer(t, http.HandlerFunc(protoHandler))
	c, err := New(WithTLSConfig(srv.clientTLS()))
	require.NoError(t, err)
	defer c.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			getProto(t, c, srv.URL, "HTTP/2.0")
			cl := c.Clone()
			getProto(t, cl, srv.URL, "HTTP/2.0")
			cl.Close()
		}()
	}
	wg.Wait()
}

// writeCounter counts the writes that reach the network.
type writeCounter struct {
	net.Conn
	writes *atomic.Int32
}

func (w writeCounter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	return w.Conn.Write(p)
}

// A larger HTTP/1.1 write buffer sends a large header section in fewer
// writes, as http.Transport.WriteBufferSize does.
func TestWriteBufferSizeTakesEffect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(protoHandler))
	defer srv.Close()
	writes := func(opts ...Option) int32 {
		var n atomic.Int32
		var nd net.Dialer
		dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return writeCounter{c, &n}, nil
		}
		c, err := New(append(opts, WithDialContext(dial))...)
		require.NoError(t, err)
		defer c.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		for i := range 32 {
			req.Header.Set("X-Filler-"+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("v", 1000))
		}
		resp, err := c.RoundTrip(req)
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return n.Load()
	}
	require.GreaterOrEqual(t, writes(), int32(8), "32 KiB of header through the default 4 KiB buffer")
	require.Equal(t, int32(1), writes(WithWriteBufferSize(64<<10)))
}
