package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

var (
	h2loadFinished = regexp.MustCompile(`finished in ([0-9.]+)(m?s), ([0-9.]+) req/s, ([0-9.]+)([KMG]?B)/s`)
	h2loadRequests = regexp.MustCompile(`requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed`)
)

// runH2load runs nghttp2's h2load as a child on this process's CPU and
// reports its figures with the child's CPU time. h2load has no warm-up
// here, so its handshakes are counted; with a few connections per second of
// load they are a rounding error. It gives no percentiles.
func runH2load(p *params) (Result, error) {
	secs := max(int(p.duration.Round(time.Second)/time.Second), 1)
	streams := p.inFlight / p.conns
	args := []string{"-t", "1", "-c", strconv.Itoa(p.conns), "-m", strconv.Itoa(streams),
		"-D", strconv.Itoa(secs)}
	if p.proto == "h1" {
		// One request per connection at a time, like the Go clients
		// (h2load pipelines HTTP/1.1 when -m is above 1).
		args = []string{"-t", "1", "--h1", "-c", strconv.Itoa(p.inFlight), "-m", "1", "-D", strconv.Itoa(secs)}
	}
	limit := time.Duration(secs)*time.Second + 30*time.Second
	if p.count > 0 {
		// A count instead of a duration (-n): h2load's default windows
		// (-w/-W 30, about 1 GiB) are left alone, it has no per-request
		// rates to give, only the whole run's.
		args = append(args[:len(args)-2], "-n", strconv.Itoa(p.count))
		limit = 10 * time.Minute
	}
	if p.bodySize > 0 {
		f, err := os.CreateTemp("", "h2load-body-")
		if err != nil {
			return Result{}, err
		}
		defer os.Remove(f.Name())
		if _, err := f.Write(make([]byte, p.bodySize)); err != nil {
			f.Close()
			return Result{}, err
		}
		f.Close()
		args = append(args, "-d", f.Name())
	}
	args = append(args, p.url.String())
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "h2load", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("h2load %v: %w\n%s", args, err, out.Bytes())
	}
	res, err := parseH2load(out.Bytes(), p.bodySize)
	if err != nil {
		return Result{}, err
	}
	ok := res.Requests
	if ps := cmd.ProcessState; ps != nil {
		if ok > 0 {
			res.CPUMicros = float64((ps.UserTime() + ps.SystemTime()).Microseconds()) / float64(ok)
		}
		res.MaxRSSKiB = maxRSSOf(ps)
	}
	return res, nil
}

// parseH2load reads h2load's summary: elapsed time, requests that
// succeeded and failed, and the transfer rate (to which the request bodies
// sent are added, so that an upload's rate counts what it uploaded).
func parseH2load(out []byte, bodySize int) (Result, error) {
	fm := h2loadFinished.FindSubmatch(out)
	rm := h2loadRequests.FindSubmatch(out)
	if fm == nil || rm == nil {
		return Result{}, errors.New("h2load: unexpected output:\n" + string(out))
	}
	elapsed, _ := strconv.ParseFloat(string(fm[1]), 64)
	if string(fm[2]) == "ms" {
		elapsed /= 1000
	}
	ok, _ := strconv.ParseInt(string(rm[3]), 10, 64)
	failed, _ := strconv.ParseInt(string(rm[4]), 10, 64)
	res := Result{Seconds: elapsed, Requests: ok, Failed: failed}
	if failed > 0 {
		res.FirstError = "h2load counted failed requests"
	}
	if elapsed > 0 {
		res.ReqPerSec = float64(ok) / elapsed
		rate, _ := strconv.ParseFloat(string(fm[4]), 64)
		res.MBPerSec = rate * map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(fm[5])] / 1e6
		res.MBPerSec += float64(bodySize) * res.ReqPerSec / 1e6
	}
	return res, nil
}
