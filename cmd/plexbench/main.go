// Command plexbench is a load generator for HTTP/1.1 and HTTP/2 built on
// plex, in the spirit of nghttp2's h2load.
//
// With no arguments it starts loopback servers of its own and compares plex
// with Go's net/http client on every protocol, so a newcomer sees what plex
// costs on this machine:
//
//	go run ./cmd/plexbench
//
// With URLs it loads each of them in turn and reports latency percentiles
// and a histogram, status codes, errors by kind, bytes and the connections
// used:
//
//	plexbench -c 4 -m 64 -d 10s --h2 https://host:8443/path
//	plexbench -c 64 -n 100000 -rate 5000 -H 'Authorization: Bearer x' http://host:8080/
//	plexbench -method POST -body-size 1048576 -o json https://host/upload
//
// Ctrl-C stops the run and prints what was measured so far. Exit codes: 0
// done, 1 every request failed, 2 bad usage, 130 interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
