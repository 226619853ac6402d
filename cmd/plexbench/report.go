package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

func printTable(w io.Writer, rs []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "client\tsetup\tcarried by\trequests\tfailed\treq/s\tp50\tp90\tp99\tp99.9\t")
	for _, r := range rs {
		rate := 0.0
		if r.elapsed > 0 {
			rate = float64(r.done) / r.elapsed.Seconds()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t\n", r.name, r.setup, r.proto, r.done, r.failed, rate,
			short(percentile(r.lat, 50)), short(percentile(r.lat, 90)),
			short(percentile(r.lat, 99)), short(percentile(r.lat, 99.9)))
	}
	tw.Flush()
	for _, r := range rs {
		if len(r.errs) == 0 {
			continue
		}
		kinds := make([]string, 0, len(r.errs))
		for k, n := range r.errs {
			kinds = append(kinds, fmt.Sprintf("%d× %s", n, k))
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "%s errors: %s\n", r.name, strings.Join(kinds, "; "))
	}
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
