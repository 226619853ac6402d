package h2

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// benchServerEnv, set in a test binary's environment, makes it serve
// loopbackHandler over cleartext HTTP/2 instead of running tests.
const benchServerEnv = "PLEX_H2_BENCH_SERVER"

// serveForBenchmark serves until its standard input closes, having
// printed its address on standard output.
func serveForBenchmark() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: loopbackHandler(), Protocols: &protos}
	go srv.Serve(ln)
	fmt.Println(ln.Addr())
	buf := make([]byte, 1)
	os.Stdin.Read(buf) // returns when the benchmark ends
	srv.Close()
	return 0
}

// startServerProcess runs the server in a process of its own, so that the
// benchmark's CPU time and wake-ups are the client's alone, as in the
// benchmark suite against nginx. When this process is pinned to one CPU
// (taskset -c 0, GOMAXPROCS 1) and taskset is at hand, the server is
// pinned to the next one.
func startServerProcess(b *testing.B) string {
	var args []string
	if runtime.GOMAXPROCS(0) == 1 && runtime.NumCPU() > 1 {
		if ts, err := exec.LookPath("taskset"); err == nil {
			args = []string{ts, "-c", "1"}
		}
	}
	args = append(args, os.Args[0], "-test.run=^$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			b.Fatal("benchmark server printed no address")
		}
		return a
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		b.Fatal("benchmark server did not start")
		return ""
	}
}

// BenchmarkClientConnGETOneAtATime sends cleartext GETs one after another,
// as a service making one call at a time does, to a server in another
// process: what a lone request's round trip costs the client, wake-ups
// included. cpu-ns/op is the client's CPU time (user and system);
// wakeups/op its voluntary context switches (a thread blocking and being
// woken). Run it pinned as the suite does: taskset -c 0.
func BenchmarkClientConnGETOneAtATime(b *testing.B) {
	addr := startServerProcess(b)
	cc := dialH2C(b, addr)
	req, _ := http.NewRequest("GET", "http://"+addr+"/small", nil)
	buf := make([]byte, 64)
	b.ReportAllocs()
	cpu0, w0 := rusage()
	for b.Loop() {
		resp, err := cc.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := resp.Body.Read(buf); err != nil {
				break
			}
		}
		resp.Body.Close()
	}
	cpu1, w1 := rusage()
	b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(w1-w0)/float64(b.N), "wakeups/op")
}
