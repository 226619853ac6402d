package alpn

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http/httptrace"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// recordingDial records every address and refuses to connect.
func recordingDial(addrs *[]string) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, _, addr string) (net.Conn, error) {
		*addrs = append(*addrs, addr)
		return nil, errors.New("dial refused by test")
	}
}

// throughDial counts calls and connects with a net.Dialer.
type throughDial struct {
	mu    sync.Mutex
	addrs []string // guarded by mu
}

func (d *throughDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, network+" "+addr)
	d.mu.Unlock()
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func TestUserDialContextIsUsedForEveryTCPDial(t *testing.T) {
	origin := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	cleartext := serve(t, echo)
	p := startProxy(t, "", nil)
	rec := &throughDial{}
	d := trustingDialer(t)
	d.DialContext = rec.dial
	d.H2C = true

	targets := []Target{
		{Scheme: "https", Addr: origin.addr()},
		{Scheme: "http", Addr: cleartext.addr()},
		{Scheme: "https", Addr: origin.addr(), Proxy: p.url("http", nil)},
		{Scheme: "http", Addr: cleartext.addr(), Proxy: p.url("http", nil)},
	}
	for _, tg := range targets {
		c, err := d.Dial(context.Background(), tg)
		require.NoError(t, err)
		roundTrip(t, c, "ping")
		c.Close()
	}
	require.Equal(t, []string{
		"tcp " + origin.addr(),
		"tcp " + cleartext.addr(),
		"tcp " + p.addr(),
		"tcp " + p.addr(),
	}, rec.addrs)
}

func TestUserDialContextErrorIsWrapped(t *testing.T) {
	refused := errors.New("no route in test")
	d := &Dialer{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, refused }}
	_, err := d.Dial(context.Background(), Target{Scheme: "https", Addr: "example.com:443"})
	require.ErrorIs(t, err, refused)
	require.EqualError(t, err, "alpn: dial example.com:443: no route in test")
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.False(t, ne.Timeout())
}

func TestUserDialContextReturningNothing(t *testing.T) {
	d := &Dialer{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, nil }}
	_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80"})
	require.EqualError(t, err, "alpn: dial example.com:80: DialContext returned neither a connection nor an error")
}

func TestUserDialContextConnClosedOnError(t *testing.T) {
	client, peer := net.Pipe()
	defer peer.Close()
	d := &Dialer{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return client, errors.New("half-made")
	}}
	_, err := d.Dial(context.Background(), Target{Scheme: "http", Addr: "example.com:80"})
	require.Error(t, err)
	_, err = client.Write([]byte("x"))
	require.ErrorIs(t, err, io.ErrClosedPipe)
}

func TestTLSTraceHooksFire(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	var events []string
	var state tls.ConnectionState
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		TLSHandshakeStart: func() { events = append(events, "start") },
		TLSHandshakeDone: func(cs tls.ConnectionState, err error) {
			events = append(events, "done")
			state = cs
			require.NoError(t, err)
		},
	})
	c, err := trustingDialer(t).Dial(ctx, Target{Scheme: "https", Addr: srv.addr()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, []string{"start", "done"}, events)
	require.Equal(t, ProtoH2, state.NegotiatedProtocol)
	require.True(t, state.HandshakeComplete)
}

func TestTLSTraceDoneReportsFailure(t *testing.T) {
	srv := serve(t, echoTLS(defaultCerts(t).ServerTLS(ProtoH2)))
	var doneErr error
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) { doneErr = err },
	})
	_, err := (&Dialer{}).Dial(ctx, Target{Scheme: "https", Addr: srv.addr()})
	require.Error(t, err)
	require.Error(t, doneErr)
}

func TestNetDialerFiresConnectHooks(t *testing.T) {
	srv := serve(t, echo)
	var started, done string
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		ConnectStart: func(_, addr string) { started = addr },
		ConnectDone:  func(_, addr string, _ error) { done = addr },
	})
	c, err := (&Dialer{}).Dial(ctx, Target{Scheme: "http", Addr: srv.addr()})
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, srv.addr(), started)
	require.Equal(t, srv.addr(), done)
}
