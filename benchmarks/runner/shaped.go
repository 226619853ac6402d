package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/plexhttp/plex/internal/netshape"
)

// The long-path cells: one HTTP/2 stream downloading a large body through
// netshape, a proxy the runner starts in front of each server's TLS port.
// There a client's receive window, not the machine, sets the rate: a
// stream can move at most one window per round trip.
const (
	wShaped         = "256 MiB download over a 50 ms, 1 Gbit/s path"
	shapedBytes     = 256 << 20
	shapedDownloads = 2
	shapedTarget    = 85 // per cent of the link rate plex's first download reaches
)

// shapedLink is the emulated path: 25 ms each way, 1 Gbit/s each way, the
// default router queue (one round trip's worth).
var shapedLink = netshape.Link{Delay: 25 * time.Millisecond, BitsPerSecond: 1e9}

// shapedCells are the long-path cells. The client driver times each
// download (-n): the first on a fresh connection's windows, the second
// after the first has grown whatever grows. --quick keeps Go's server only.
func shapedCells(servers []string, quick bool) []cell {
	paths := map[string]string{"go": "/bytes?n=" + strconv.Itoa(shapedBytes), "nginx": "/256mib"}
	var cs []cell
	for _, s := range servers {
		if quick && s != "go" {
			continue
		}
		for _, cl := range h2Clients {
			cs = append(cs, cell{workload: wShaped, server: s, client: cl, proto: "h2", tls: true,
				path: paths[s], inFlight: 1, conns: 1, count: shapedDownloads})
		}
	}
	return cs
}

// shaping is the proxies of a run and what the proxy alone reached.
type shaping struct {
	addr    map[string]string // server -> proxy address in front of its TLS port
	proxies []*netshape.Proxy
	alone   string // the proxy-alone check, for the report
}

// startShaping starts a proxy for each server that has long-path cells,
// after checking that a plain TCP stream through the link reaches its rate.
func startShaping(cfg *config, cells []cell) (*shaping, error) {
	sh := &shaping{addr: map[string]string{}}
	for _, c := range cells {
		if c.workload != wShaped || sh.addr[c.server] != "" {
			continue
		}
		p, err := netshape.Listen("127.0.0.1:0", "127.0.0.1:"+strconv.Itoa(cfg.ports[c.server][0]), shapedLink)
		if err != nil {
			sh.close()
			return nil, err
		}
		sh.proxies = append(sh.proxies, p)
		sh.addr[c.server] = p.Addr().String()
	}
	if len(sh.proxies) > 0 {
		mbps, cpu, err := proxyAlone()
		if err != nil {
			sh.close()
			return nil, fmt.Errorf("the proxy alone: %w", err)
		}
		sh.alone = fmt.Sprintf("%.0f Mbit/s (%.0f%% of the link), the runner using %.0f%% of a core to send, proxy and receive it",
			mbps, mbps/linkMbps()*100, cpu)
	}
	return sh, nil
}

func (sh *shaping) close() {
	for _, p := range sh.proxies {
		p.Close()
	}
}

func linkMbps() float64 { return float64(shapedLink.BitsPerSecond) / 1e6 }

// proxyAlone sends shapedBytes of plain TCP through the link to a sink in
// this process and reports the rate the sink saw from the first write to
// the last byte, and the process's CPU time over that span as a share of
// one core. If this stays near the link rate, the proxy is not what limits
// the HTTP/2 cells.
func proxyAlone() (mbps, cpuPct float64, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	defer ln.Close()
	got := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Minute))
		n, err := io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
		if err == nil && n != shapedBytes {
			err = fmt.Errorf("the sink got %d bytes, want %d", n, shapedBytes)
		}
		got <- err
	}()
	p, err := netshape.Listen("127.0.0.1:0", ln.Addr().String(), shapedLink)
	if err != nil {
		return 0, 0, err
	}
	defer p.Close()
	c, err := net.DialTimeout("tcp", p.Addr().String(), 10*time.Second)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	cpu0, t0 := processCPU(), time.Now()
	buf := make([]byte, 1<<20)
	for sent := 0; sent < shapedBytes; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			return 0, 0, err
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if err := <-got; err != nil {
		return 0, 0, err
	}
	secs := time.Since(t0).Seconds()
	return shapedBytes * 8 / secs / 1e6, (processCPU() - cpu0).Seconds() / secs * 100, nil
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// downloadMbps is the median over the rounds of the i-th timed download
// (-1: the last). h2load gives only its whole run's rate.
func downloadMbps(rs []Result, i int) float64 {
	return median(rs, func(r Result) float64 {
		if len(r.RequestMbps) == 0 {
			return r.MBPerSec * 8
		}
		if i < 0 {
			i = len(r.RequestMbps) - 1
		}
		return r.RequestMbps[min(i, len(r.RequestMbps)-1)]
	})
}

func shapedGoal(f finder) (string, bool) {
	plex := downloadMbps(f("plex", "h2", true, wShaped, 1, 1), 0) / linkMbps() * 100
	xnet := downloadMbps(f("x-net", "h2", true, wShaped, 1, 1), 0) / linkMbps() * 100
	if plex == 0 {
		return "0.0", false
	}
	return fmt.Sprintf("%.0f%% (x-net %.0f%%)", plex, xnet), plex >= shapedTarget
}

func writeShapedTable(w io.Writer, cfg *config, rows []cell, res map[string][]Result) {
	fmt.Fprintf(w, "One HTTP/2 stream over TLS downloads %d MiB through netshape, a proxy the runner puts in front of\n", shapedBytes>>20)
	fmt.Fprintln(w, "the server: 25 ms each way, 1 Gbit/s each way, a one-round-trip router queue. A stream moves at")
	fmt.Fprintln(w, "most one receive window per round trip, so this is where a window too small for the path shows.")
	fmt.Fprintf(w, "Each client does %d downloads in a row on one connection, opened first with a small GET /\n", shapedDownloads)
	fmt.Fprintln(w, "(which moves no window): **first** starts from a fresh connection's windows, **later** is the")
	fmt.Fprintln(w, "last one. Each is timed from the request to the body's end, so it includes one round trip.")
	fmt.Fprintln(w, "h2load keeps its default windows (`-w`/`-W` 30, about 1 GiB) and gives only its whole run's")
	fmt.Fprintln(w, "rate, handshake included, in both columns.")
	if cfg.shaping != nil && cfg.shaping.alone != "" {
		fmt.Fprintf(w, "The proxy alone, with a plain TCP stream through the same link: %s.\n", cfg.shaping.alone)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| client | setup | first Mbit/s | % of link | later Mbit/s | % of link | CPU ms/download | RSS MiB | failed |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range rows {
		rs := res[c.key()]
		fail := failedText(rs)
		a, b := downloadMbps(rs, 0), downloadMbps(rs, -1)
		fmt.Fprintf(w, "| %s | %s | %.0f | %.0f%% | %.0f | %.0f%% | %.0f | %.0f | %s |\n", c.client, c.setup(),
			a, a/linkMbps()*100, b, b/linkMbps()*100,
			median(rs, func(r Result) float64 { return r.CPUMicros })/1000,
			median(rs, func(r Result) float64 { return float64(r.MaxRSSKiB) / 1024 }), fail)
	}
}
