// Command plexbench is a load generator for HTTP/1.1 and HTTP/2 built on
// plex.
//
// With no arguments it starts loopback servers of its own and compares plex
// with Go's net/http client, so a newcomer sees what plex costs on this
// machine:
//
//	go run ./cmd/plexbench
//
// With URLs it loads them:
//
//	plexbench -c 64 -n 100000 https://host:8443/path
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags after parsing.
type options struct {
	requests    int
	duration    time.Duration
	concurrency int
	proto       string
	method      string
	insecure    bool
	timeout     time.Duration
	urls        []*url.URL
}

// run is the whole command; it returns the exit code: 0 done, 1 the load
// failed, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "plexbench: %v\n", err)
		return 2
	}
	if len(o.urls) == 0 {
		return demo(ctx, o, stdout, stderr)
	}
	return loadURLs(ctx, o, stdout, stderr)
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("plexbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	fs.IntVar(&o.requests, "n", 0, "requests per run (default 20000 when -d is not set)")
	fs.DurationVar(&o.duration, "d", 0, "run for this long instead of a request count")
	fs.IntVar(&o.concurrency, "c", 16, "requests in flight")
	fs.StringVar(&o.proto, "proto", "auto", "protocol: auto (ALPN), h1, h2 or h2c")
	fs.StringVar(&o.method, "method", "GET", "request method")
	fs.BoolVar(&o.insecure, "k", false, "do not verify the server's TLS certificate")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: plexbench [flags] [URL...]\n\nWith no URL, plexbench compares plex with net/http on loopback servers of its own.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case o.requests < 0:
		return nil, fmt.Errorf("-n %d: must not be negative", o.requests)
	case o.duration < 0:
		return nil, fmt.Errorf("-d %v: must not be negative", o.duration)
	case o.concurrency < 1:
		return nil, fmt.Errorf("-c %d: need at least 1", o.concurrency)
	case o.timeout <= 0:
		return nil, fmt.Errorf("-timeout %v: must be positive", o.timeout)
	}
	switch o.proto {
	case "auto", "h1", "h2", "h2c":
	default:
		return nil, fmt.Errorf("-proto %q: want auto, h1, h2 or h2c", o.proto)
	}
	if o.requests == 0 && o.duration == 0 {
		o.requests = 20000
	}
	for _, a := range fs.Args() {
		u, err := url.Parse(a)
		if err != nil {
			return nil, fmt.Errorf("url %q: %v", a, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("url %q: want http:// or https:// with a host", a)
		}
		o.urls = append(o.urls, u)
	}
	return o, nil
}
