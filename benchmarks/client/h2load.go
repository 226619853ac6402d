package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	h2loadFinished = regexp.MustCompile(`finished in ([0-9.]+)(m?s), ([0-9.]+) req/s, ([0-9.]+)([KMG]?B)/s`)
	h2loadRequests = regexp.MustCompile(`requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed`)
)

// h2loadWindowOpens starts the line h2load prints when it starts counting.
const h2loadWindowOpens = "Main benchmark duration is started"

// runH2load runs nghttp2's h2load as a child on this process's CPU, with
// the same warm-up as the Go clients, and reports its figures with the
// child's CPU time and context switches from the opening of its measured
// window to its exit: the child's counters are read from /proc (summed over
// its threads) when h2load says the window opens and subtracted from its
// rusage at exit, so its start-up, handshakes and warm-up are not charged to
// the requests it counts, while closing its connections after the window
// is (a few microseconds per connection). The end cannot be sampled from
// /proc as well: h2load's worker thread may be gone by then, and its
// context switches with it. Where /proc cannot be read, and with a count
// (-n), which has no warm-up, the whole run is charged. It gives no
// percentiles.
func runH2load(p *params) (Result, error) {
	dur := max(p.duration.Round(time.Millisecond), time.Millisecond)
	args := []string{"-t", "1", "-c", strconv.Itoa(p.conns), "-m", strconv.Itoa(p.inFlight / p.conns)}
	if p.proto == "h1" {
		// One request per connection at a time, like the Go clients
		// (h2load pipelines HTTP/1.1 when -m is above 1).
		args = []string{"-t", "1", "--h1", "-c", strconv.Itoa(p.inFlight), "-m", "1"}
	}
	limit := dur + h2loadWarmup(p) + 30*time.Second
	if p.count > 0 {
		// A count instead of a duration (-n): h2load's default windows
		// (-w/-W 30, about 1 GiB) are left alone, it has no per-request
		// rates to give, only the whole run's.
		args = append(args, "-n", strconv.Itoa(p.count))
		limit = 10 * time.Minute
	} else {
		args = append(args, "-D", durationArg(dur))
		if w := h2loadWarmup(p); w > 0 {
			args = append(args, "--warm-up-time", durationArg(w))
		}
	}
	if p.bodySize > 0 {
		// h2load sends the file's contents as every request's body.
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
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	var out, errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("h2load: %w", err)
	}
	opened, sampled := watchWindow(stdout, &out, cmd.Process.Pid)
	err = cmd.Wait()
	out.Write(errOut.Bytes())
	if err != nil {
		return Result{}, fmt.Errorf("h2load %v: %w\n%s", args, err, out.Bytes())
	}
	res, err := parseH2load(out.Bytes(), p.bodySize)
	if err != nil {
		return Result{}, err
	}
	ps := cmd.ProcessState
	res.MaxRSSKiB = maxRSSOf(ps)
	window := usageOf(ps)
	if sampled {
		window = window.sub(opened)
	}
	perRequest(&res, window)
	return res, nil
}

// h2loadWarmup is p.warmup, made long enough for every connection's
// handshake: h2load cannot wait for them as the Go clients do, counts a
// handshake that ends in its window as work of the window, and can hang
// at the end of a run in which some connection never finished opening.
func h2loadWarmup(p *params) time.Duration {
	if p.warmup == 0 {
		return 0
	}
	conns := p.conns
	if p.proto == "h1" {
		conns = p.inFlight
	}
	return max(p.warmup, time.Duration(conns)*5*time.Millisecond)
}

// durationArg writes d the way h2load's duration options read it.
func durationArg(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// watchWindow copies h2load's output into out and samples the child's
// counters at the line that opens its measured window; sampled is false
// when that line never came or /proc could not be read.
func watchWindow(r io.Reader, out *bytes.Buffer, pid int) (opened usage, sampled bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, h2loadWindowOpens) && !sampled {
			opened, sampled = procUsage(pid)
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return opened, sampled
}

// parseH2load reads h2load's summary: requests that succeeded and failed in
// the measured window, their rate, and the transfer rate (to which the
// request bodies sent are added, so that an upload's rate counts what it
// uploaded). After a warm-up the elapsed time h2load prints includes it and
// its rates do not, so the window's length comes from the request rate;
// without one (a count, -n) it is the elapsed time.
func parseH2load(out []byte, bodySize int) (Result, error) {
	fm := h2loadFinished.FindSubmatch(out)
	rm := h2loadRequests.FindSubmatch(out)
	if fm == nil || rm == nil {
		return Result{}, errors.New("h2load: unexpected output:\n" + string(out))
	}
	ok, _ := strconv.ParseInt(string(rm[3]), 10, 64)
	failed, _ := strconv.ParseInt(string(rm[4]), 10, 64)
	res := Result{Requests: ok, Failed: failed}
	if failed > 0 {
		res.FirstError = "h2load counted failed requests"
	}
	if bytes.Contains(out, []byte(h2loadWindowOpens)) {
		res.ReqPerSec, _ = strconv.ParseFloat(string(fm[3]), 64)
		if res.ReqPerSec > 0 {
			res.Seconds = float64(ok) / res.ReqPerSec
		}
	} else {
		res.Seconds, _ = strconv.ParseFloat(string(fm[1]), 64)
		if string(fm[2]) == "ms" {
			res.Seconds /= 1000
		}
		if res.Seconds > 0 {
			res.ReqPerSec = float64(ok) / res.Seconds
		}
	}
	if res.Seconds > 0 {
		rate, _ := strconv.ParseFloat(string(fm[4]), 64)
		res.MBPerSec = rate * map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[string(fm[5])] / 1e6
		res.MBPerSec += float64(bodySize) * res.ReqPerSec / 1e6
	}
	return res, nil
}
