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
	conf := fmt.Sprintf(`daemon off;
master_process on;
worker_processes 1;
user root;
pid %[1]s/nginx.pid;
error_log %[1]s/nginx-error.log notice;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp-body;
  proxy_temp_path %[1]s/tmp-proxy;
  fastcgi_temp_path %[1]s/tmp-fastcgi;
  uwsgi_temp_path %[1]s/tmp-uwsgi;
  scgi_temp_path %[1]s/tmp-scgi;
  types { text/plain txt; application/octet-stream bin; }
  keepalive_timeout %[2]ds;
  client_max_body_size 64m;
  large_client_header_buffers 4 8k;
  server {
    listen %[3]s ssl http2;
    listen %[4]s;
    listen %[5]s http2;
    listen %[6]s ssl;
    ssl_certificate %[7]s;
    ssl_certificate_key %[8]s;
    root %[9]s;
    location = /sum {
      proxy_pass http://%[10]s;
      proxy_http_version 1.1;
      proxy_request_buffering off;
      proxy_buffering off;
    }
    location = /bigheaders.txt {
%[11]s    }
    location = %[12]s {
      proxy_pass http://%[13]s;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_read_timeout 60s;
    }
  }
}
`, o.Dir, seconds(o.IdleTimeout), ports[0], ports[1], ports[2], ports[3], cert, key, root, up.addr, big.String(), UpgradePath, upgradeAddr)
	p, stop, err := w.launch(ctx, o, "nginx", "nginx.conf", conf, func(confPath string) []string {
		return []string{"-c", confPath, "-p", o.Dir, "-e", filepath.Join(o.Dir, "nginx-error.log")}
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
			MaxRequestHeaderBytes: 8192, Upgrade: true,
		},
		HTTP1OnlyTLSAddr: ports[3],
		reload:           func(context.Context) error { return p.signal(syscall.SIGHUP) },
		stop:             stop,
	}, nil
}
