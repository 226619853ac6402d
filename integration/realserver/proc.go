package realserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// proc is one foreground server process in its own process group, so that
// the workers it forks are ended with it.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited; err is set then
	err  error
}

func startProc(dir, name, path string, args []string, env ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("run %s: %w", path, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

// tail returns the end of the process's log, for error messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	s := strings.TrimSpace(string(b))
	if len(s) > 1500 {
		s = "..." + s[len(s)-1500:]
	}
	return s
}

// signal sends sig to the process (not its group).
func (p *proc) signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited: %v: %s", p.name, p.err, p.tail())
	default:
	}
	return p.cmd.Process.Signal(sig)
}

// stop sends sig, waits up to 10s for the process to exit, then kills its
// whole group. The group is killed in any case so that no forked worker
// outlives the test.
func (p *proc) stop(sig syscall.Signal) error {
	select {
	case <-p.done:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	var err error
	select {
	case <-p.done:
	case <-t.C:
		err = fmt.Errorf("%s did not exit within 10s of %v; killed", p.name, sig)
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return err
}

// freePorts reserves n distinct loopback ports by binding them all at once,
// then releases them for the server to bind. Another process could take
// one in between; Start then fails with the server's own bind error.
func freePorts(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserve a loopback port: %w", err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// waitReady polls every address until it accepts a TCP connection, failing
// as soon as one of procs exits or ctx ends.
func waitReady(ctx context.Context, addrs []string, procs ...*proc) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pending := append([]string(nil), addrs...)
	var d net.Dialer
	for {
		for _, p := range procs {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited before listening: %v: %s", p.name, p.err, p.tail())
			default:
			}
		}
		var still []string
		for _, a := range pending {
			dctx, dcancel := context.WithTimeout(ctx, time.Second)
			c, err := d.DialContext(dctx, "tcp", a)
			dcancel()
			if err != nil {
				still = append(still, a)
				continue
			}
			c.Close()
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			var logs []string
			for _, p := range procs {
				logs = append(logs, p.tail())
			}
			return fmt.Errorf("listeners %v not ready: %w: %s", pending, ctx.Err(), strings.Join(logs, "\n"))
		case <-tick.C:
		}
	}
}

// stopAll stops every process with sig and joins their errors.
func stopAll(sig syscall.Signal, procs ...*proc) error {
	var errs []error
	for _, p := range procs {
		errs = append(errs, p.stop(sig))
	}
	return errors.Join(errs...)
}

// version runs path with args and returns the first line mentioning a
// version, for the matrix.
func version(path string, args ...string) string {
	out, _ := exec.Command(path, args...).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), "version") || strings.HasPrefix(line, "v") {
			return strings.TrimSpace(line)
		}
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

func writeFile(dir, name, content string) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, []byte(content), 0o644)
}

// seconds rounds d up to whole seconds, at least one, for configuration
// syntaxes that take seconds.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

func roundSeconds(d time.Duration) time.Duration { return time.Duration(seconds(d)) * time.Second }

func joinErr(errs ...error) error { return errors.Join(errs...) }
