// Command runner measures every cell of the benchmark matrix with the
// suite's client driver, in interleaved rounds, and writes the results as
// Markdown. benchmarks/run builds it and starts the servers; run that script
// rather than this command.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result mirrors the driver's JSON.
type Result struct {
	Requests    int64   `json:"requests"`
	Failed      int64   `json:"failed"`
	FirstError  string  `json:"first_error"`
	ReqPerSec   float64 `json:"req_per_s"`
	CPUMicros   float64 `json:"cpu_us_per_req"`
	Allocs      float64 `json:"allocs_per_req"`
	AllocBytes  float64 `json:"bytes_per_req"`
	P50Micros   float64 `json:"p50_us"`
	P99Micros   float64 `json:"p99_us"`
	MBPerSec    float64 `json:"mb_per_s"`
	MaxRSSKiB   int64   `json:"max_rss_kib"`
	IdleConnKiB float64 `json:"idle_conn_kib"`
	Vcsw        float64 `json:"vcsw_per_req"`
	Ivcsw       float64 `json:"ivcsw_per_req"`
	StreamKiB   float64 `json:"stream_kib"`

	RequestMbps []float64 `json:"request_mbit_s"` // each timed download, in order (-n)
}

type config struct {
	clientBin  string
	certDir    string
	clientCPU  string
	rounds     int
	duration   time.Duration
	quick      bool
	servers    []string
	ports      map[string][3]int // server -> TLS, cleartext, h2c
	out        string
	command    string
	versions   string
	perCellMax time.Duration
	shaping    *shaping
}

func main() {
	cfg := config{ports: map[string][3]int{}}
	var servers, nginxPorts, goPorts string
	flag.StringVar(&cfg.clientBin, "client", "", "path of the built client driver (required)")
	flag.StringVar(&cfg.certDir, "certdir", "", "directory holding ca.pem (required)")
	flag.StringVar(&cfg.clientCPU, "cpu", "0", "CPU list the clients are pinned to with taskset; empty: no pinning")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds; the tables show medians")
	flag.DurationVar(&cfg.duration, "d", time.Second, "measured duration of each cell")
	flag.BoolVar(&cfg.quick, "quick", false, "only the cells the targets are judged on")
	flag.StringVar(&servers, "servers", "nginx,go", "servers to measure against")
	flag.StringVar(&nginxPorts, "nginx-ports", "8443,8080,8081", "nginx TLS, cleartext and h2c ports")
	flag.StringVar(&goPorts, "go-ports", "9443,9080,9080", "Go server TLS, cleartext and h2c ports")
	flag.StringVar(&cfg.out, "o", "", "Markdown file to write (default: stdout)")
	flag.StringVar(&cfg.command, "command", "benchmarks/run", "the command line to print in the report")
	flag.StringVar(&cfg.versions, "versions", "", "version lines of the tools, for the report")
	only := flag.String("only", "", "measure only the workloads whose name contains this")
	flag.Parse()
	if cfg.clientBin == "" || cfg.certDir == "" || cfg.rounds < 1 || cfg.duration <= 0 {
		fmt.Fprintln(os.Stderr, "runner: need -client, -certdir, -rounds >= 1 and a positive -d")
		os.Exit(2)
	}
	cfg.servers = strings.Split(servers, ",")
	for name, spec := range map[string]string{"nginx": nginxPorts, "go": goPorts} {
		var p [3]int
		parts := strings.Split(spec, ",")
		if len(parts) != 3 {
			fmt.Fprintf(os.Stderr, "runner: -%s-ports %q: want three ports\n", name, spec)
			os.Exit(2)
		}
		for i, s := range parts {
			n, err := strconv.Atoi(s)
			if err != nil {
				fmt.Fprintf(os.Stderr, "runner: -%s-ports %q: %v\n", name, spec, err)
				os.Exit(2)
			}
			p[i] = n
		}
		cfg.ports[name] = p
	}
	// The driver waits up to 20 s for every caller's first request.
	cfg.perCellMax = cfg.duration + 2*time.Minute
	cells := buildMatrix(cfg.servers, cfg.quick)
	if *only != "" {
		cells = slices.DeleteFunc(cells, func(c cell) bool { return !strings.Contains(c.workload, *only) })
	}
	sh, err := startShaping(&cfg, cells)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		os.Exit(1)
	}
	cfg.shaping = sh
	results := measure(&cfg, cells)
	sh.close()
	var buf bytes.Buffer
	writeReport(&buf, &cfg, cells, results)
	if cfg.out == "" {
		os.Stdout.Write(buf.Bytes())
		return
	}
	if err := os.WriteFile(cfg.out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		os.Exit(1)
	}
}

// measure runs the rounds, rotating the cell order every round so that a
// slow spell on the shared machine spreads over different cells.
func measure(cfg *config, cells []cell) map[string][]Result {
	out := map[string][]Result{}
	total := cfg.rounds * len(cells)
	n := 0
	for r := range cfg.rounds {
		shift := r * len(cells) / cfg.rounds
		for i := range cells {
			c := cells[(i+shift)%len(cells)]
			n++
			res, err := runCell(cfg, c)
			status := fmt.Sprintf("%.0f req/s, %.1f µs CPU/req, %.2f wake-ups/req", res.ReqPerSec, res.CPUMicros, res.Vcsw)
			switch {
			case c.idle > 0:
				status = fmt.Sprintf("%.1f KiB/conn", res.IdleConnKiB)
			case c.count > 0:
				status = fmt.Sprintf("%.0f Mbit/s, each download %.0f", res.MBPerSec*8, res.RequestMbps)
			}
			if err != nil {
				status = "error: " + err.Error()
				res = Result{FirstError: err.Error()}
			}
			fmt.Fprintf(os.Stderr, "[%d/%d] %s %s %s %s: %s\n", n, total, c.workload, c.server, c.client, c.setup(), status)
			out[c.key()] = append(out[c.key()], res)
		}
	}
	return out
}

func cellURL(cfg *config, c cell) string {
	p := cfg.ports[c.server]
	if c.workload == wShaped {
		return "https://" + cfg.shaping.addr[c.server] + c.path
	}
	switch {
	case c.tls:
		return fmt.Sprintf("https://127.0.0.1:%d%s", p[0], c.path)
	case c.proto == "h2c":
		return fmt.Sprintf("http://127.0.0.1:%d%s", p[2], c.path)
	}
	return fmt.Sprintf("http://127.0.0.1:%d%s", p[1], c.path)
}

func runCell(cfg *config, c cell) (Result, error) {
	args := []string{"-client", c.client, "-proto", c.proto, "-url", cellURL(cfg, c),
		"-ca", cfg.certDir + "/ca.pem", "-d", cfg.duration.String()}
	if c.idle > 0 {
		args = append(args, "-idle", strconv.Itoa(c.idle))
	} else {
		args = append(args, "-c", strconv.Itoa(c.inFlight), "-conns", strconv.Itoa(c.conns))
	}
	if c.body > 0 {
		args = append(args, "-body", strconv.Itoa(c.body))
	}
	if c.workload == wMany && c.client != "h2load" {
		args = append(args, "-streammem")
	}
	limit := cfg.perCellMax
	if c.count > 0 {
		args = append(args, "-n", strconv.Itoa(c.count))
		limit = 10 * time.Minute
	}
	name := cfg.clientBin
	if cfg.clientCPU != "" {
		args = append([]string{"-c", cfg.clientCPU, name}, args...)
		name = "taskset"
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return Result{}, fmt.Errorf("driver output %q: %w", stdout.String(), err)
	}
	return res, nil
}
