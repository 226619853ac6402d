package main

import "fmt"

// cell is one measurement: a client, a protocol and a workload on one
// server.
type cell struct {
	workload string // table the cell belongs to
	server   string // "nginx" or "go"
	client   string
	proto    string // h1, h2, h2c
	tls      bool
	path     string
	inFlight int
	conns    int
	body     int
	idle     int
	count    int // downloads timed one after another, instead of a duration
}

func (c cell) key() string {
	return fmt.Sprintf("%s|%s|%s|%s|%v|%d|%d", c.workload, c.server, c.client, c.proto, c.tls, c.inFlight, c.conns)
}

// setup is the row label: protocol, transport security and concurrency.
func (c cell) setup() string {
	sec := "TLS"
	if !c.tls {
		sec = "cleartext"
	}
	name := map[string]string{"h1": "HTTP/1.1", "h2": "h2", "h2c": "h2c"}[c.proto]
	switch {
	case c.idle > 0:
		return fmt.Sprintf("%s %s, %d conns", name, sec, c.idle)
	case c.proto == "h1":
		return fmt.Sprintf("%s %s, %d in flight", name, sec, c.inFlight)
	default:
		return fmt.Sprintf("%s, %d in flight on %d conn(s)", name, c.inFlight, c.conns)
	}
}

const mib = 1 << 20

// Workload names, in the order the README shows them.
const (
	wSmall    = "Small GET (12-byte body)"
	wDownload = "1 MiB download"
	wUpload   = "1 MiB upload"
	wMany     = "10k requests in flight"
	wIdle     = "Memory per idle connection"
)

var workloads = []string{wSmall, wDownload, wUpload, wMany, wIdle, wShaped}

var (
	h1Clients = []string{"plex", "net-http", "fasthttp", "h2load"}
	h2Clients = []string{"plex", "x-net", "h2load"}
)

// buildMatrix lists every cell for the given servers; quick keeps the few
// cells the targets are judged on.
func buildMatrix(servers []string, quick bool) []cell {
	var cs []cell
	concs := []int{1, 16, 256}
	if quick {
		concs = []int{256}
	}
	for _, s := range servers {
		for _, tls := range []bool{true, false} {
			for _, c := range concs {
				for _, cl := range h1Clients {
					cs = append(cs, cell{workload: wSmall, server: s, client: cl, proto: "h1", tls: tls, path: "/", inFlight: c, conns: 1})
				}
			}
			h2 := "h2"
			if !tls {
				h2 = "h2c"
			}
			for _, c := range concs {
				for _, cl := range h2Clients {
					cs = append(cs, cell{workload: wSmall, server: s, client: cl, proto: h2, tls: tls, path: "/", inFlight: c, conns: 1})
				}
			}
			if !quick {
				for _, cl := range h2Clients {
					cs = append(cs, cell{workload: wSmall, server: s, client: cl, proto: h2, tls: tls, path: "/", inFlight: 256, conns: 4})
				}
			}
		}
		for _, cl := range h1Clients[:3] {
			cs = append(cs,
				cell{workload: wDownload, server: s, client: cl, proto: "h1", tls: true, path: "/mib", inFlight: 8, conns: 1},
				cell{workload: wUpload, server: s, client: cl, proto: "h1", tls: true, path: "/upload", inFlight: 8, conns: 1, body: mib})
		}
		for _, cl := range h2Clients {
			cs = append(cs,
				cell{workload: wDownload, server: s, client: cl, proto: "h2", tls: true, path: "/mib", inFlight: 8, conns: 1},
				cell{workload: wUpload, server: s, client: cl, proto: "h2", tls: true, path: "/upload", inFlight: 8, conns: 1, body: mib})
			if !quick {
				cs = append(cs, cell{workload: wMany, server: s, client: cl, proto: "h2", tls: true, path: "/", inFlight: 10000, conns: 40})
			}
		}
		if s == "go" {
			// Only Go's server has the slow resource that holds requests
			// long enough for each to need its own connection.
			for _, cl := range h1Clients[:3] {
				cs = append(cs, cell{workload: wIdle, server: s, client: cl, proto: "h1", tls: true, path: "/slow", idle: 500})
			}
			for _, cl := range h2Clients[:2] {
				cs = append(cs, cell{workload: wIdle, server: s, client: cl, proto: "h2", tls: true, path: "/slow", idle: 100})
			}
		}
	}
	return append(cs, shapedCells(servers, quick)...)
}
