package realserver

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
)

// startNginx runs nginx with one worker: TLS (h2 and http/1.1 by ALPN),
// cleartext HTTP/1.1, h2c with prior knowledge, and a TLS listener without
// http2 whose ALPN offers only http/1.1. POST/PUT /sum and upgrades to
// UpgradePath go to Go's server as an upstream (upgrades to
// Options.UpgradeUpstream when set); reload is "nginx -s reload" (SIGHUP
// to the master).
func startNginx(ctx context.Context, o Options) (*Server, error) {
	w, err := prepare(o, "nginx", 4, true)
	if err != nil {
		return nil, err
	}
	bin, root, cert, key, up, ports := w.bin, w.root, w.cert, w.key, w.up, w.ports
	upgradeAddr := up.addr
	if o.UpgradeUpstream != "" {
		upgradeAddr = o.UpgradeUpstream
	}
	var big strings.Builder
	for _, kv := range sortedBigHeaders() {
		fmt.Fprintf(&big, "      add_header %s %q always;\n", kv[0], kv[1])
	}
	conf := nginxConf(o, "notice", 2048, fmt.Sprintf(`  types { text/plain txt; application/octet-stream bin; }
  client_max_body_size 64m;
  large_client_header_buffers 4 8k;
  server {
    listen %[1]s ssl http2;
    listen %[2]s;
    listen %[3]s http2;
    listen %[4]s ssl;
    ssl_certificate %[5]s;
    ssl_certificate_key %[6]s;
    root %[7]s;
    location = /sum {
      proxy_pass http://%[8]s;
      proxy_http_version 1.1;
      proxy_request_buffering off;
      proxy_buffering off;
    }
    location = /bigheaders.txt {
%[9]s    }
    location = %[10]s {
      proxy_pass http://%[11]s;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 60s;
    }
  }
`, ports[0], ports[1], ports[2], ports[3], cert, key, root, up.addr, big.String(), UpgradePath, upgradeAddr))
	p, stop, err := launchNginx(ctx, w, o, conf)
	if err != nil {
		return nil, err
	}
	return &Server{
		Version: version(bin, "-v"),
		addrs:   map[Proto]string{H2: ports[0], H1TLS: ports[0], H1: ports[1], H2C: ports[2]},
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, Upstream: true, BigHeaders: true,
			IdleTimeout: roundSeconds(o.IdleTimeout), Reload: true, EarlyUploadAnswer: true,
			MaxRequestHeaderBytes: 8192, Upgrade: true,
		},
		HTTP1OnlyTLSAddr: ports[3],
		reload:           func(context.Context) error { return p.signal(syscall.SIGHUP) },
		stop:             stop,
	}, nil
}

// nginxConf wraps the http-level directives in body in the main context
// every nginx here shares: one worker in the foreground, state and temp
// files under o.Dir, and o.IdleTimeout as keepalive_timeout.
func nginxConf(o Options, logLevel string, workerConns int, body string) string {
	return fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
user root;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log %[2]s;
events { worker_connections %[3]d; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp-body;
  proxy_temp_path %[1]s/tmp-proxy;
  fastcgi_temp_path %[1]s/tmp-fastcgi;
  uwsgi_temp_path %[1]s/tmp-uwsgi;
  scgi_temp_path %[1]s/tmp-scgi;
  keepalive_timeout %[4]ds;
%[5]s}
`, o.Dir, logLevel, workerConns, seconds(o.IdleTimeout), body)
}

// launchNginx starts nginx on conf in w.
func launchNginx(ctx context.Context, w *workspace, o Options, conf string) (*proc, func() error, error) {
	return w.launch(ctx, o, "nginx", "nginx.conf", conf, func(confPath string) []string {
		return []string{"-c", confPath, "-p", o.Dir, "-e", filepath.Join(o.Dir, "nginx-error.log")}
	})
}
