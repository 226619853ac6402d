package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"

	"github.com/plexhttp/plex"
)

func protocolsFor(proto string) []plex.Protocol {
	switch proto {
	case "h1":
		return []plex.Protocol{plex.HTTP1}
	case "h2":
		return []plex.Protocol{plex.HTTP2}
	case "h2c":
		return []plex.Protocol{plex.UnencryptedHTTP2}
	}
	return []plex.Protocol{plex.HTTP1, plex.HTTP2}
}

// loadURLs loads each URL the user named in turn, with o.conns plex
// clients of one connection each, so that the connection count is exactly
// what -c says whichever protocol the server picks.
func loadURLs(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	tc := &tls.Config{InsecureSkipVerify: o.insecure} // only when the user passed -k
	var jobs []*job
	var dones []func()
	for _, u := range o.urls {
		var clients []*plex.Client
		var rts []http.RoundTripper
		events := &connEvents{}
		for range o.conns {
			c, err := plex.New(
				plex.WithTLSConfig(tc),
				plex.WithProtocols(protocolsFor(o.proto)...),
				plex.WithMaxConnsPerHost(1),
				plex.WithMaxIdleConnsPerHost(1),
				plex.WithDialTimeout(o.dialTimeout),
				plex.WithTLSHandshakeTimeout(o.dialTimeout),
				// The load goes to the server named, as h2load's does, never
				// through a proxy the environment names.
				plex.WithProxy(nil),
				plex.WithEventListener(events.listener()),
			)
			if err != nil {
				closeClients(clients)
				for _, d := range dones {
					d()
				}
				fmt.Fprintf(stderr, "plexbench: %v\n", err)
				return exitUsage
			}
			clients = append(clients, c)
			rts = append(rts, c)
		}
		jobs = append(jobs, &job{name: "plex", setup: o.proto, clients: rts, perClient: o.streams, url: u, o: o,
			conns: func() int {
				n := 0
				for _, c := range clients {
					s := c.Stats()
					n += int(s.Dials - s.DialErrors)
				}
				return n
			},
			summarize: func() *connSummary { return events.summary(clients) }})
		dones = append(dones, func() { closeClients(clients) })
	}
	return runAll(ctx, o, stdout, stderr, jobs, dones, false)
}

func closeClients(cs []*plex.Client) {
	for _, c := range cs {
		c.Close()
	}
}
