package plex

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func addrPorts(s ...string) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range s {
		out = append(out, netip.MustParseAddrPort(a))
	}
	return out
}

func TestAddrPickerOrdersLeastUsedFirstAndFailingLast(t *testing.T) {
	now := time.Unix(1000, 0)
	p := newAddrPicker(nil, nil)
	p.now = func() time.Time { return now }
	ips := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("::ffff:10.0.0.3"), netip.MustParseAddr("10.0.0.1")}
	peer := func(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }

	require.Equal(t, addrPorts("10.0.0.1:443", "10.0.0.2:443", "10.0.0.3:443"), p.order(ips, 443, nil),
		"resolver order, mapped addresses unmapped, duplicates dropped")
	require.Equal(t, addrPorts("10.0.0.2:443", "10.0.0.3:443", "10.0.0.1:443"),
		p.order(ips, 443, []net.Addr{peer("10.0.0.1:443")}))
	require.Equal(t, addrPorts("10.0.0.3:443", "10.0.0.1:443", "10.0.0.2:443"),
		p.order(ips, 443, []net.Addr{peer("10.0.0.1:443"), peer("10.0.0.2:443")}))
	require.Equal(t, addrPorts("10.0.0.1:443", "10.0.0.2:443", "10.0.0.3:443"),
		p.order(ips, 443, []net.Addr{peer("10.0.0.1:80")}), "a peer on another port is another server")

	var failed []DialAddrFailed
	p.ev = &EventListener{DialAddrFailed: func(e DialAddrFailed) { failed = append(failed, e) }}
	p.failed(&directDial{conn: 7}, netip.MustParseAddrPort("10.0.0.1:443"), errors.New("refused"))
	require.Len(t, failed, 1)
	require.Equal(t, ConnID(7), failed[0].Conn)
	require.Equal(t, now.Add(addrSkipPeriod), failed[0].SkipUntil)
	require.Equal(t, addrPorts("10.0.0.2:443", "10.0.0.3:443", "10.0.0.1:443"), p.order(ips, 443, nil))

	now = now.Add(addrSkipPeriod - time.Nanosecond)
	require.Equal(t, addrPorts("10.0.0.2:443", "10.0.0.3:443", "10.0.0.1:443"), p.order(ips, 443, nil))
	now = now.Add(time.Nanosecond)
	require.Equal(t, addrPorts("10.0.0.1:443", "10.0.0.2:443", "10.0.0.3:443"), p.order(ips, 443, nil),
		"back in its place once the skip period is over")
}

func TestAddrPickerLeavesProxiesAndLiteralsAlone(t *testing.T) {
	lookups := 0
	p := newAddrPicker(func(context.Context, string) ([]netip.Addr, error) {
		lookups++
		return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
	}, nil)
	var dialed []string
	dial := p.dialContext(func(_ context.Context, _, addr string) (net.Conn, error) {
		dialed = append(dialed, addr)
		return nil, errors.New("no network here")
	})
	ctx := context.Background()
	_, err := dial(ctx, "tcp", "proxy.example:3128")
	require.Error(t, err)
	_, err = dial(context.WithValue(ctx, directDialKey{}, &directDial{addr: "127.0.0.1:443"}), "tcp", "127.0.0.1:443")
	require.Error(t, err)
	_, err = dial(context.WithValue(ctx, directDialKey{}, &directDial{addr: "a.example:443"}), "tcp", "a.example:443")
	require.Error(t, err)
	require.Equal(t, []string{"proxy.example:3128", "127.0.0.1:443", "10.0.0.1:443"}, dialed)
	require.Equal(t, 1, lookups)
}

func TestAddrPickerReportsLookupFailure(t *testing.T) {
	p := newAddrPicker(func(context.Context, string) ([]netip.Addr, error) { return nil, nil }, nil)
	dial := p.dialContext(func(context.Context, string, string) (net.Conn, error) {
		t.Fatal("dialed without an address")
		return nil, nil
	})
	ctx := context.WithValue(context.Background(), directDialKey{}, &directDial{addr: "a.example:443"})
	_, err := dial(ctx, "tcp", "a.example:443")
	require.ErrorContains(t, err, "plex: looking up a.example: no addresses")
}

func TestNewRefusesNegativeMinConnsPerHost(t *testing.T) {
	_, err := New(WithMinConnsPerHost(-1))
	require.ErrorContains(t, err, "pool: MinConnsPerHost -1 is negative")
}
