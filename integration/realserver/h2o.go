package realserver

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// startH2O runs h2o in master mode (its start_server keeps the listeners
// and replaces the worker on SIGHUP, the old one finishing its requests
// after a GOAWAY): TLS with h2 and http/1.1 by ALPN, and one cleartext
// listener for HTTP/1.1 and h2c with prior knowledge. POST/PUT /sum go to
// Go's server through proxy.reverse.url.
func startH2O(ctx context.Context, o Options) (*Server, error) {
	w, err := prepare(o, "h2o", 2, true)
	if err != nil {
		return nil, err
	}
	bin, root, cert, key, up, ports := w.bin, w.root, w.cert, w.key, w.up, w.ports
	var big strings.Builder
	for _, kv := range sortedBigHeaders() {
		fmt.Fprintf(&big, "        header.add: %q\n", kv[0]+": "+kv[1])
	}
	conf := fmt.Sprintf(`user: root
pid-file: %[1]s/h2o.pid
error-log: %[1]s/h2o-error.log
num-threads: 1
http1-request-timeout: %[10]d
http2-idle-timeout: %[2]d
listen:
  host: 127.0.0.1
  port: %[3]s
  ssl:
    certificate-file: %[5]s
    key-file: %[6]s
listen:
  host: 127.0.0.1
  port: %[4]s
hosts:
  default:
    paths:
      /sum:
        proxy.reverse.url: http://%[7]s/sum
      /bigheaders.txt:
        file.file: %[8]s/bigheaders.txt
%[9]s      /:
        file.dir: %[8]s
`, o.Dir, seconds(o.IdleTimeout), port(ports[0]), port(ports[1]), cert, key, up.addr, root, big.String(), seconds(h2oHTTP1Timeout(o.IdleTimeout)))
	p, stop, err := w.launch(ctx, o, "h2o", "h2o.conf", conf, func(confPath string) []string {
		return []string{"-m", "master", "-c", confPath}
	})
	if err != nil {
		return nil, err
	}
	return &Server{
		Version: version(bin, "--version"),
		addrs:   map[Proto]string{H2: ports[0], H1TLS: ports[0], H1: ports[1], H2C: ports[1]},
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, Upstream: true, BigHeaders: true,
			IdleTimeout: roundSeconds(o.IdleTimeout), Reload: true,
			HTTP1IdleTimeout:      roundSeconds(h2oHTTP1Timeout(o.IdleTimeout)),
			MaxRequestHeaderBytes: 8192,
		},
		reload: func(context.Context) error { return p.signal(syscall.SIGHUP) },
		stop:   stop,
	}, nil
}

// h2oHTTP1Timeout is the HTTP/1.1 request timeout for h2o: it also bounds
// reading a request body, so it must leave a 16 MiB upload under the race
// detector on a busy machine time to finish.
func h2oHTTP1Timeout(idle time.Duration) time.Duration { return max(idle, 5*time.Second) }
