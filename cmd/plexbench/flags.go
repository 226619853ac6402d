package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
)

// Exit codes of the command.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// options are the command's flags after parsing and checking.
type options struct {
	requests    int
	duration    time.Duration
	conns       int
	streams     int
	rate        float64
	proto       string // auto, h1, h2 or h2c
	method      string
	header      http.Header
	host        string // from -H "Host: ..."
	body        []byte
	insecure    bool
	timeout     time.Duration
	dialTimeout time.Duration
	output      string // text or json
	progress    bool   // draw a progress bar on stderr
	urls        []*url.URL
}

// inFlight is how many requests a run keeps going.
func (o *options) inFlight() int { return o.conns * o.streams }

// headerFlag collects repeated -H "Name: value" flags.
type headerFlag struct{ lines []string }

func (h *headerFlag) String() string { return strings.Join(h.lines, ", ") }

func (h *headerFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || !validToken(name) {
		return fmt.Errorf("want \"Name: value\", got %q", v)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("header %q: value holds a line break", name)
	}
	h.lines = append(h.lines, v)
	return nil
}

func validToken(s string) bool {
	for _, c := range s {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c) {
			return false
		}
	}
	return true
}

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "plexbench: %v\n", err)
		fmt.Fprintln(stderr, "run 'plexbench -h' for the flags")
		return exitUsage
	}
	o.progress = o.output == "text" && isTerminal(stderr)
	if len(o.urls) == 0 {
		return demo(ctx, o, stdout, stderr)
	}
	return loadURLs(ctx, o, stdout, stderr)
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("plexbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	var headers headerFlag
	var h1, h2, h2c bool
	var bodyFile string
	var bodySize int
	fs.IntVar(&o.requests, "n", 0, "total requests per URL (default 20000 when -d is not set)")
	fs.DurationVar(&o.duration, "d", 0, "run each URL for this long instead of a request count")
	fs.IntVar(&o.conns, "c", 16, "connections (each plex client holds one)")
	fs.IntVar(&o.streams, "m", 1, "requests in flight per connection: HTTP/2 streams; HTTP/1.1 queues them on its one connection")
	fs.Float64Var(&o.rate, "rate", 0, "limit to this many requests per second in total (0: as fast as possible)")
	fs.BoolVar(&h1, "h1", false, "speak HTTP/1.1 only")
	fs.BoolVar(&h2, "h2", false, "speak HTTP/2 only (https URLs, by ALPN)")
	fs.BoolVar(&h2c, "h2c", false, "speak HTTP/2 with prior knowledge over cleartext (http URLs)")
	fs.StringVar(&o.method, "method", "", "request method (default GET, or POST with a body)")
	fs.Var(&headers, "H", "request header \"Name: value\"; repeat for more")
	fs.StringVar(&bodyFile, "body-file", "", "send this file as the request body")
	fs.IntVar(&bodySize, "body-size", 0, "send a body of this many bytes")
	fs.BoolVar(&o.insecure, "k", false, "do not verify the server's TLS certificate")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request timeout, from sending to the end of the body")
	fs.DurationVar(&o.dialTimeout, "connect-timeout", 5*time.Second, "timeout for each connection's dial and TLS handshake")
	fs.StringVar(&o.output, "o", "text", "output: text or json")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: plexbench [flags] [URL...]\n\n"+
			"With no URL, plexbench compares plex with net/http on loopback servers of its own.\n"+
			"With URLs, it loads each in turn with -c connections and -m requests in flight on each.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := o.check(h1, h2, h2c, bodyFile, bodySize); err != nil {
		return nil, err
	}
	o.header = http.Header{}
	for _, l := range headers.lines {
		name, value, _ := strings.Cut(l, ":")
		name, value = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value)
		if name == "Host" {
			o.host = value
			continue
		}
		o.header.Add(name, value)
	}
	if bodyFile != "" {
		b, err := os.ReadFile(bodyFile)
		if err != nil {
			return nil, fmt.Errorf("-body-file: %w", err)
		}
		o.body = b
	} else if bodySize > 0 {
		o.body = make([]byte, bodySize)
	}
	if o.method == "" {
		o.method = http.MethodGet
		if o.body != nil {
			o.method = http.MethodPost
		}
	}
	for _, a := range fs.Args() {
		u, err := checkURL(a, o.proto)
		if err != nil {
			return nil, err
		}
		o.urls = append(o.urls, u)
	}
	return o, nil
}

func (o *options) check(h1, h2, h2c bool, bodyFile string, bodySize int) error {
	switch {
	case o.requests < 0:
		return fmt.Errorf("-n %d: must not be negative", o.requests)
	case o.duration < 0:
		return fmt.Errorf("-d %v: must not be negative", o.duration)
	case o.requests > 0 && o.duration > 0:
		return errors.New("-n and -d: give one or the other")
	case o.conns < 1:
		return fmt.Errorf("-c %d: need at least 1", o.conns)
	case o.streams < 1:
		return fmt.Errorf("-m %d: need at least 1", o.streams)
	case o.conns*o.streams > 1_000_000:
		return fmt.Errorf("-c %d -m %d: more than a million requests in flight", o.conns, o.streams)
	case o.rate < 0:
		return fmt.Errorf("-rate %v: must not be negative", o.rate)
	case o.timeout <= 0:
		return fmt.Errorf("-timeout %v: must be positive", o.timeout)
	case o.dialTimeout <= 0:
		return fmt.Errorf("-connect-timeout %v: must be positive", o.dialTimeout)
	case bodySize < 0:
		return fmt.Errorf("-body-size %d: must not be negative", bodySize)
	case bodyFile != "" && bodySize > 0:
		return errors.New("-body-file and -body-size: give one or the other")
	case o.output != "text" && o.output != "json":
		return fmt.Errorf("-o %q: want text or json", o.output)
	}
	o.proto = "auto"
	n := 0
	for p, set := range map[string]bool{"h1": h1, "h2": h2, "h2c": h2c} {
		if set {
			o.proto = p
			n++
		}
	}
	if n > 1 {
		return errors.New("--h1, --h2 and --h2c: choose one")
	}
	if o.requests == 0 && o.duration == 0 {
		o.requests = 20000
	}
	return nil
}

func checkURL(a, proto string) (*url.URL, error) {
	u, err := url.Parse(a)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", a, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want http:// or https:// with a host", a)
	}
	switch {
	case proto == "h2" && u.Scheme != "https":
		return nil, fmt.Errorf("url %q: --h2 needs https (use --h2c for cleartext HTTP/2)", a)
	case proto == "h2c" && u.Scheme != "http":
		return nil, fmt.Errorf("url %q: --h2c needs http (use --h2 over TLS)", a)
	}
	return u, nil
}

// isTerminal reports whether w is a character device, where a progress bar
// that redraws itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
