// Command client drives one load run of the benchmark suite with one HTTP
// client and prints what it measured as one JSON object. The suite's runner
// starts it once per measurement, pinned to its own core, so that the CPU
// time, allocations and memory it reports are the client's alone.
//
//	client -client plex -proto h2 -url https://127.0.0.1:8443/ -ca ca.pem -c 256 -d 2s
//
// Clients: plex, net-http (HTTP/1.1), x-net (golang.org/x/net/http2),
// fasthttp (HTTP/1.1) and h2load (nghttp2's C load generator, run as a child
// process). With -idle N it instead opens N connections, lets them go idle
// and reports the memory each one holds; with -n N it times N requests in a
// row on one connection (long downloads).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"
)

// params are the flags of one run.
type params struct {
	client   string
	proto    string
	url      *url.URL
	caFile   string
	inFlight int
	conns    int
	duration time.Duration
	warmup   time.Duration
	bodySize int
	idle     int
	count    int
	// streamMem asks for the memory held per request in flight.
	streamMem bool
	cpuProf   string
	memProf   string
	execTrace string
}

// Result is the JSON the runner reads back. CPU and allocation figures are
// per request; zero where the client cannot report them.
type Result struct {
	Client      string  `json:"client"`
	Proto       string  `json:"proto"`
	Requests    int64   `json:"requests"`
	Failed      int64   `json:"failed"`
	FirstError  string  `json:"first_error,omitempty"`
	Seconds     float64 `json:"seconds"`
	ReqPerSec   float64 `json:"req_per_s"`
	CPUMicros   float64 `json:"cpu_us_per_req"`
	Allocs      float64 `json:"allocs_per_req"`
	AllocBytes  float64 `json:"bytes_per_req"`
	P50Micros   float64 `json:"p50_us"`
	P99Micros   float64 `json:"p99_us"`
	MBPerSec    float64 `json:"mb_per_s"`
	MaxRSSKiB   int64   `json:"max_rss_kib"`
	IdleConnKiB float64 `json:"idle_conn_kib,omitempty"`
	// RequestMbps is each timed request's body rate, in order (-n only).
	RequestMbps []float64 `json:"request_mbit_s,omitempty"`
	// Vcsw and Ivcsw are voluntary (wake-ups) and involuntary context
	// switches per request over the measured window.
	Vcsw  float64 `json:"vcsw_per_req"`
	Ivcsw float64 `json:"ivcsw_per_req"`
	// StreamKiB is the Go heap and stacks the client holds per request in
	// flight, at the end of the measured window with the load still on.
	StreamKiB float64 `json:"stream_kib,omitempty"`
}

func main() {
	p, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		os.Exit(2)
	}
	var res Result
	switch {
	case p.client == "h2load":
		res, err = runH2load(p)
	case p.idle > 0:
		res, err = measureIdle(p)
	case p.count > 0:
		res, err = runCount(p)
	default:
		res, err = runLoad(p)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		os.Exit(1)
	}
	res.Client, res.Proto = p.client, p.proto
	json.NewEncoder(os.Stdout).Encode(res)
}

func parseFlags(args []string) (*params, error) {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	p := &params{}
	var rawURL string
	fs.StringVar(&p.client, "client", "plex", "plex, net-http, x-net, fasthttp or h2load")
	fs.StringVar(&p.proto, "proto", "h1", "h1, h2 (TLS) or h2c (cleartext, prior knowledge)")
	fs.StringVar(&rawURL, "url", "", "URL to load (required)")
	fs.StringVar(&p.caFile, "ca", "", "PEM file of the CA to trust for https URLs")
	fs.IntVar(&p.inFlight, "c", 1, "requests in flight")
	fs.IntVar(&p.conns, "conns", 1, "HTTP/2 connections the streams are spread over, one client each (HTTP/1.1 uses one per request in flight); 0: one client, which opens as many as the server's stream limit needs")
	fs.DurationVar(&p.duration, "d", 2*time.Second, "measured duration")
	fs.DurationVar(&p.warmup, "warmup", 300*time.Millisecond, "unmeasured run before the measurement (handshakes, buffers)")
	fs.IntVar(&p.bodySize, "body", 0, "request body size in bytes; when positive the method is POST")
	fs.IntVar(&p.idle, "idle", 0, "instead of load, open this many connections and report memory per idle connection")
	fs.IntVar(&p.count, "n", 0, "instead of a duration, time this many requests one after another on one connection")
	fs.BoolVar(&p.streamMem, "streammem", false, "report the Go heap and stacks held per request in flight")
	fs.StringVar(&p.cpuProf, "cpuprofile", "", "write a CPU profile of the measured window to this file")
	fs.StringVar(&p.execTrace, "trace", "", "write an execution trace (runtime/trace) of the measured window to this file")
	fs.StringVar(&p.memProf, "memprofile", "", "write an allocation profile (every allocation sampled) to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want an http:// or https:// URL with a host", rawURL)
	}
	p.url = u
	switch {
	case p.inFlight < 1 || p.conns < 0 || p.conns > p.inFlight && p.idle == 0:
		return nil, errors.New("need 0 <= -conns <= -c and -c >= 1")
	case p.conns == 0 && p.client == "h2load":
		return nil, errors.New("h2load needs -conns >= 1: it opens exactly that many")
	case p.count < 0:
		return nil, errors.New("-n must not be negative")
	case p.count > 0 && (p.inFlight != 1 || p.conns != 1 || p.idle > 0):
		return nil, errors.New("-n runs one request at a time on one connection: use it with -c 1 -conns 1")
	case p.duration <= 0 || p.warmup < 0:
		return nil, errors.New("-d must be positive and -warmup not negative")
	}
	switch p.proto {
	case "h1", "h2", "h2c":
	default:
		return nil, fmt.Errorf("-proto %q: want h1, h2 or h2c", p.proto)
	}
	if (p.proto == "h2") != (u.Scheme == "https") && p.proto != "h1" {
		return nil, fmt.Errorf("-proto %s does not go with a %s URL", p.proto, u.Scheme)
	}
	return p, nil
}
