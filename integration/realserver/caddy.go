package realserver

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// startCaddy runs Caddy with a Caddyfile: TLS with h2 and http/1.1 by ALPN,
// and cleartext HTTP/1.1 and h2c (protocols h1 h2 h2c) on one listener;
// automatic HTTPS and HTTP/3 off. POST/PUT /sum go to Go's server through
// reverse_proxy. Reload is "caddy reload --force" through an admin socket
// in Options.Dir: Caddy keeps its listeners and shuts the old servers down
// gracefully.
func startCaddy(ctx context.Context, o Options) (*Server, error) {
	w, err := prepare(o, "caddy", 2, true)
	if err != nil {
		return nil, err
	}
	bin, root, cert, key, up, ports := w.bin, w.root, w.cert, w.key, w.up, w.ports
	var big strings.Builder
	for _, kv := range sortedBigHeaders() {
		fmt.Fprintf(&big, "    %s %q\n", kv[0], kv[1])
	}
	admin := "unix/" + filepath.Join(o.Dir, "caddy-admin.sock")
	conf := fmt.Sprintf(`{
  admin %[1]s
  auto_https off
  skip_install_trust
  storage file_system %[2]s/caddy-data
  servers {
    protocols h1 h2 h2c
    timeouts {
      idle %[3]ds
    }
  }
}
(site) {
  root * %[4]s
  header /bigheaders.txt {
%[5]s  }
  reverse_proxy /sum %[6]s
  file_server
}
https://127.0.0.1:%[7]s {
  bind 127.0.0.1
  tls %[8]s %[9]s
  import site
}
http://127.0.0.1:%[10]s {
  bind 127.0.0.1
  import site
}
`, admin, o.Dir, seconds(o.IdleTimeout), root, big.String(), up.addr, port(ports[0]), cert, key, port(ports[1]))
	env := []string{"HOME=" + o.Dir, "XDG_DATA_HOME=" + o.Dir, "XDG_CONFIG_HOME=" + o.Dir}
	confPath := filepath.Join(o.Dir, "Caddyfile")
	_, stop, err := w.launch(ctx, o, "caddy", "Caddyfile", conf, func(string) []string {
		return []string{"run", "--config", confPath, "--adapter", "caddyfile"}
	}, env...)
	if err != nil {
		return nil, err
	}
	reload := func(ctx context.Context) error {
		cmd := exec.CommandContext(ctx, bin, "reload", "--force", "--config", confPath, "--adapter", "caddyfile", "--address", admin)
		cmd.Dir = o.Dir
		cmd.Env = append(cmd.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("caddy reload: %w: %s", err, out)
		}
		return nil
	}
	return &Server{
		Version: "caddy " + version(bin, "version"),
		addrs:   map[Proto]string{H2: ports[0], H1TLS: ports[0], H1: ports[1], H2C: ports[1]},
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, Upstream: true, BigHeaders: true,
			IdleTimeout: roundSeconds(o.IdleTimeout), Reload: true, EarlyUploadAnswer: true,
			MaxRequestHeaderBytes: 1 << 20,
		},
		reload: reload,
		stop:   stop,
	}, nil
}
