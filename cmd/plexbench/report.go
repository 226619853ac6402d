package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// runAll runs the jobs one after another, stopping early when ctx ends,
// prints what was measured, and gives the exit code. Each job's done func
// releases its clients.
func runAll(ctx context.Context, o *options, stdout, stderr io.Writer, jobs []*job, dones []func(), table bool) int {
	var pb *progress
	var follow func(*result)
	if o.progress {
		pb = startProgress(stderr, o)
		follow = pb.follow
	}
	var results []*result
	for i, j := range jobs {
		results = append(results, j.run(ctx, follow))
		dones[i]()
		if ctx.Err() != nil {
			for _, d := range dones[i+1:] {
				d()
			}
			break
		}
	}
	if pb != nil {
		pb.stop()
	}
	interrupted := ctx.Err() != nil
	switch {
	case o.output == "json":
		writeJSON(stdout, results)
	case table:
		printTable(stdout, results)
	default:
		for _, r := range results {
			printReport(stdout, r)
		}
	}
	if interrupted {
		fmt.Fprintln(stderr, "plexbench: interrupted; the figures above cover what ran until then")
		return exitInterrupted
	}
	return exitCode(stderr, results)
}

// exitCode is 1, with a summary on stderr, when some URL got no response
// at all.
func exitCode(stderr io.Writer, rs []*result) int {
	code := exitOK
	for _, r := range rs {
		if r.done.Load() == 0 && r.failed.Load() > 0 {
			fmt.Fprintf(stderr, "plexbench: %s (%s): every request failed: %s\n", r.url, r.name, errorSummary(r))
			code = exitFailed
		}
	}
	return code
}

func errorSummary(r *result) string {
	kinds := make([]string, 0, len(r.errs))
	for k, n := range r.errs {
		kinds = append(kinds, fmt.Sprintf("%d× %s", n, k))
	}
	sort.Strings(kinds)
	return strings.Join(kinds, "; ")
}

func rate(r *result) float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.done.Load()) / r.elapsed.Seconds()
}

// printTable is the no-argument comparison: one line per client and setup.
func printTable(w io.Writer, rs []*result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "client\tsetup\tcarried by\trequests\tfailed\treq/s\tp50\tp90\tp99\tp99.9\t")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.name, r.setup, r.proto, r.done.Load(), r.failed.Load(), rate(r),
			short(r.hist.Quantile(0.5)), short(r.hist.Quantile(0.9)),
			short(r.hist.Quantile(0.99)), short(r.hist.Quantile(0.999)))
	}
	tw.Flush()
	for _, r := range rs {
		if len(r.errs) > 0 {
			fmt.Fprintf(w, "%s %s errors: %s\n", r.name, r.setup, errorSummary(r))
		}
	}
}

// printReport is the full text report of one URL's run.
func printReport(w io.Writer, r *result) {
	fmt.Fprintf(w, "%s\n", r.url)
	proto := r.proto
	if proto == "" {
		proto = "none (no response)"
	}
	fmt.Fprintf(w, "  finished in %s, %.0f req/s, %s/s in\n", r.elapsed.Round(time.Millisecond), rate(r),
		size(float64(r.bytesIn.Load())/max(r.elapsed.Seconds(), 1e-9)))
	fmt.Fprintf(w, "  requests:    %d done, %d failed; protocol %s over %d connection(s)\n",
		r.done.Load(), r.failed.Load(), proto, r.conns)
	fmt.Fprintf(w, "  bytes:       %s response bodies in, %s request bodies out\n",
		size(float64(r.bytesIn.Load())), size(float64(r.bytesOut.Load())))
	codes := make([]int, 0, len(r.statuses))
	for c := range r.statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d× %d", r.statuses[c], c))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  status:      %s\n", strings.Join(parts, ", "))
	}
	if len(r.errs) > 0 {
		fmt.Fprintf(w, "  errors:      %s\n", errorSummary(r))
	}
	if r.connEvents != nil {
		printConnSummary(w, r.connEvents)
	}
	if r.hist.Count() == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "  latency:     p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		short(r.hist.Quantile(0.5)), short(r.hist.Quantile(0.9)), short(r.hist.Quantile(0.99)),
		short(r.hist.Quantile(0.999)), short(r.hist.Max()))
	bars := r.hist.Bars(12)
	var most uint64
	for _, b := range bars {
		most = max(most, b.Count)
	}
	for _, b := range bars {
		n := int(b.Count * 40 / max(most, 1))
		fmt.Fprintf(w, "  %9s – %-9s %8d %s\n", short(b.From), short(b.To), b.Count, strings.Repeat("█", n))
	}
	fmt.Fprintln(w)
}

// jsonResult is the -o json form of one URL's run.
type jsonResult struct {
	URL         string           `json:"url"`
	Client      string           `json:"client"`
	Setup       string           `json:"setup,omitempty"`
	Protocol    string           `json:"protocol"`
	Interrupted bool             `json:"interrupted"`
	Seconds     float64          `json:"seconds"`
	Done        int64            `json:"done"`
	Failed      int64            `json:"failed"`
	ReqPerSec   float64          `json:"req_per_s"`
	BytesIn     int64            `json:"bytes_in"`
	BytesOut    int64            `json:"bytes_out"`
	Connections int              `json:"connections"`
	LatencyUS   map[string]int64 `json:"latency_us"`
	Status      map[string]int64 `json:"status"`
	Errors      map[string]int64 `json:"errors"`
	// ConnEvents: connections opened and closed by reason, HTTP/2 GOAWAYs
	// and resets, retries, and the per-origin stats at the end of the run.
	ConnEvents *connSummary `json:"conn_events,omitempty"`
}

func writeJSON(w io.Writer, rs []*result) {
	out := make([]jsonResult, 0, len(rs))
	for _, r := range rs {
		j := jsonResult{URL: r.url, Client: r.name, Setup: r.setup, Protocol: r.proto, Interrupted: r.interrupted,
			Seconds: r.elapsed.Seconds(), Done: r.done.Load(), Failed: r.failed.Load(), ReqPerSec: rate(r),
			BytesIn: r.bytesIn.Load(), BytesOut: r.bytesOut.Load(), Connections: r.conns,
			LatencyUS: map[string]int64{}, Status: map[string]int64{}, Errors: r.errs, ConnEvents: r.connEvents}
		for name, q := range map[string]float64{"p50": 0.5, "p90": 0.9, "p99": 0.99, "p99.9": 0.999} {
			j.LatencyUS[name] = r.hist.Quantile(q).Microseconds()
		}
		j.LatencyUS["max"] = r.hist.Max().Microseconds()
		for c, n := range r.statuses {
			j.Status[fmt.Sprint(c)] = n
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}

func short(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

func size(b float64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}
