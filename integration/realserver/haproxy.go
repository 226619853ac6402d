package realserver

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// startHAProxy runs HAProxy in master-worker mode as an HTTP/2 front end
// that answers by itself (http-request return) for /small.txt,
// /bigheaders.txt, POST /small.txt (without reading the body) and 404s.
// Its answers must fit in one buffer, so the larger files and /sum come
// from Go's server as the backend. Listeners: TLS with h2 and http/1.1 by
// ALPN, cleartext HTTP/1.1, h2c with prior knowledge (proto h2), TLS
// offering only http/1.1, and TLS with no ALPN. Reload is SIGUSR2 to the
// master; the old worker stops softly, sending GOAWAY.
func startHAProxy(ctx context.Context, o Options) (*Server, error) {
	w, err := prepare(o, "haproxy", 5, true)
	if err != nil {
		return nil, err
	}
	bin, root, up, ports := w.bin, w.root, w.up, w.ports
	pem := filepath.Join(o.Dir, "haproxy.pem")
	if err := os.WriteFile(pem, append(append([]byte{}, o.Certs.CertPEM...), o.Certs.KeyPEM...), 0o600); err != nil {
		up.close()
		return nil, err
	}
	var big strings.Builder
	for _, kv := range sortedBigHeaders() {
		fmt.Fprintf(&big, " hdr %s %q", kv[0], kv[1])
	}
	conf := fmt.Sprintf(`global
  pidfile %[1]s/haproxy.pid
  nbthread 2
  tune.bufsize 65536
  tune.maxrewrite 1024
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive %[2]ds
  timeout client-fin %[2]ds
frontend fe
  bind 127.0.0.1:%[3]s ssl crt %[8]s alpn h2,http/1.1
  bind 127.0.0.1:%[4]s
  bind 127.0.0.1:%[5]s proto h2
  bind 127.0.0.1:%[6]s ssl crt %[8]s alpn http/1.1
  bind 127.0.0.1:%[7]s ssl crt %[8]s
  http-request return status 200 content-type text/plain file %[9]s/small.txt if { path /small.txt }
  http-request return status 200 content-type text/plain file %[9]s/bigheaders.txt%[10]s if { path /bigheaders.txt }
  acl via_go path /sum /64k.bin /1m.bin /16m.bin
  http-request return status 404 content-type text/plain string "not found" if !via_go
  use_backend go if via_go
backend go
  server go %[11]s
`, o.Dir, seconds(o.IdleTimeout), port(ports[0]), port(ports[1]), port(ports[2]), port(ports[3]), port(ports[4]), pem, root, big.String(), up.addr)
	p, stop, err := w.launch(ctx, o, "haproxy", "haproxy.cfg", conf, func(confPath string) []string {
		return []string{"-W", "-db", "-f", confPath}
	})
	if err != nil {
		return nil, err
	}
	return &Server{
		Version: version(bin, "-v"),
		addrs:   map[Proto]string{H2: ports[0], H1TLS: ports[0], H1: ports[1], H2C: ports[2]},
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, Upstream: true, BigHeaders: true,
			IdleTimeout: roundSeconds(o.IdleTimeout), Reload: true, EarlyUploadAnswer: true,
			MaxRequestHeaderBytes: 60000,
		},
		HTTP1OnlyTLSAddr: ports[3],
		NoALPNTLSAddr:    ports[4],
		reload:           func(context.Context) error { return p.signal(syscall.SIGUSR2) },
		stop:             stop,
	}, nil
}
