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
	k := fmt.Sprintf("%s|%s|%s|%s|%v|%d|%d", c.workload, c.server, c.client, c.proto, c.tls, c.inFlight, c.conns)
	if c.idle > 0 {
		k += fmt.Sprintf("|idle %d", c.idle)
	}
	return k
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
	case c.conns == 0:
		return fmt.Sprintf("%s, %d in flight, one client", name, c.inFlight)
	default:
		return fmt.Sprintf("%s, %d in flight on %d conn(s)", name, c.inFlight, c.conns)
	}
}

const (
	mib          = 1 << 20
	manyInFlight = 10000
)

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

// buildMatrix lists every cell for the given servers; quick keeps the
// cells the targets are judged on (and the long-path cells on Go's server).
func buildMatrix(servers []string, quick bool) []cell {
	cs := fullMatrix(servers)
	if quick {
		cs = judgedCells(cs)
	}
	return append(cs, shapedCells(servers, quick)...)
}

func fullMatrix(servers []string) []cell {
	var cs []cell
	// 1 and 256 in flight are what the targets judge; a middle row
	// would add a fifth to the full run's time.
	concs := []int{1, 256}
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
		}
		for _, tls := range []bool{true, false} {
			for _, cl := range h1Clients {
				cs = append(cs,
					cell{workload: wDownload, server: s, client: cl, proto: "h1", tls: tls, path: "/mib", inFlight: 8, conns: 1},
					cell{workload: wUpload, server: s, client: cl, proto: "h1", tls: tls, path: "/upload", inFlight: 8, conns: 1, body: mib})
			}
		}
		for _, cl := range h2Clients {
			cs = append(cs,
				cell{workload: wDownload, server: s, client: cl, proto: "h2", tls: true, path: "/mib", inFlight: 8, conns: 1},
				cell{workload: wUpload, server: s, client: cl, proto: "h2", tls: true, path: "/upload", inFlight: 8, conns: 1, body: mib})
		}
		// One client that opens connections as the server's stream limit
		// (1,000 on Go's server, 1,024 on nginx) needs. Not h2load: it
		// counts only requests started in its window, and few of those
		// finish within it when 10,000 are queued ahead of them.
		for _, cl := range h2Clients[:2] {
			cs = append(cs, cell{workload: wMany, server: s, client: cl, proto: "h2", tls: true, path: "/", inFlight: manyInFlight, conns: 0})
		}
		if s == "go" {
			// Only Go's server has the slow resource that holds requests
			// long enough for each to need its own connection.
			for _, cl := range h1Clients[:3] {
				cs = append(cs, cell{workload: wIdle, server: s, client: cl, proto: "h1", tls: true, path: "/slow", idle: 500})
			}
			for _, n := range []int{100, 1000} {
				for _, cl := range h2Clients[:2] {
					cs = append(cs, cell{workload: wIdle, server: s, client: cl, proto: "h2", tls: true, path: "/slow", idle: n})
				}
			}
		}
	}
	return cs
}

// judgedCells keeps the cells that some target or report looks up, found by
// judging them all once against a finder that notes what it is asked for.
func judgedCells(cs []cell) []cell {
	used := map[string]bool{}
	servers := map[string]bool{}
	for _, c := range cs {
		servers[c.server] = true
	}
	for s := range servers {
		look := func(client, proto string, tls bool, wl string, inFlight, conns int) []Result {
			if c, ok := findCell(cs, s, client, proto, tls, wl, inFlight, conns); ok {
				used[c.key()] = true
			}
			return nil
		}
		for _, t := range targets {
			t.value(look)
		}
		for _, r := range reports {
			r.value(look)
		}
	}
	var out []cell
	for _, c := range cs {
		if used[c.key()] {
			out = append(out, c)
		}
	}
	return out
}
