package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"

	"github.com/plexhttp/plex"
)

// loadURLs runs plex against each URL the user named.
func loadURLs(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	var protos []plex.Protocol
	switch o.proto {
	case "auto":
		protos = []plex.Protocol{plex.HTTP1, plex.HTTP2}
	case "h1":
		protos = []plex.Protocol{plex.HTTP1}
	case "h2":
		protos = []plex.Protocol{plex.HTTP2}
	case "h2c":
		protos = []plex.Protocol{plex.UnencryptedHTTP2}
	}
	tc := &tls.Config{InsecureSkipVerify: o.insecure} // only when the user passed -k
	var jobs []*job
	var dones []func()
	for _, u := range o.urls {
		rt, done, err := newPlex(o, tc, protos...)
		if err != nil {
			for _, d := range dones {
				d()
			}
			fmt.Fprintf(stderr, "plexbench: %v\n", err)
			return 2
		}
		jobs = append(jobs, newJob(o, u.String(), o.proto, rt, u.String()))
		dones = append(dones, done)
	}
	return runAll(ctx, stdout, jobs, dones)
}
