package realserver

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
)

const apacheModules = "/usr/lib/apache2/modules"

// startApache runs Apache httpd (event MPM, mod_http2, mod_ssl): TLS with
// h2 and http/1.1 by ALPN, a TLS listener offering only http/1.1, and one
// cleartext listener for HTTP/1.1 and h2c with prior knowledge (H2Direct).
// POST/PUT /sum go to Go's server through mod_proxy_http. Apache refuses to
// serve as root, so its children run as www-data: Options.Dir and its
// parents must be readable by that user. Reload is a graceful restart
// (SIGUSR1 to the parent).
func startApache(ctx context.Context, o Options) (*Server, error) {
	if _, err := lookPath("apache2"); err != nil {
		return nil, err
	}
	if _, err := os.Stat(apacheModules + "/mod_http2.so"); err != nil {
		return nil, fmt.Errorf("%w: mod_http2 missing: %v", ErrNotInstalled, err)
	}
	if err := os.Chmod(o.Dir, 0o755); err != nil {
		return nil, err
	}
	w, err := prepare(o, "apache2", 3, true)
	if err != nil {
		return nil, err
	}
	bin, root, cert, key, up, ports := w.bin, w.root, w.cert, w.key, w.up, w.ports
	var mods strings.Builder
	for _, m := range []string{"mpm_event", "authz_core", "headers", "ssl", "socache_shmcb", "http2", "proxy", "proxy_http"} {
		fmt.Fprintf(&mods, "LoadModule %s_module %s/mod_%s.so\n", m, apacheModules, m)
	}
	var big strings.Builder
	for _, kv := range sortedBigHeaders() {
		fmt.Fprintf(&big, "  Header always set %s %q\n", kv[0], kv[1])
	}
	conf := fmt.Sprintf(`%[1]s
ServerName localhost
ServerRoot %[2]s
DefaultRuntimeDir %[2]s
PidFile %[2]s/apache.pid
Mutex file:%[2]s default
ErrorLog %[2]s/apache-error.log
LogLevel warn
User www-data
Group www-data
StartServers 1
ServerLimit 4
ThreadsPerChild 64
MaxRequestWorkers 256
KeepAlive On
KeepAliveTimeout %[3]d
MaxKeepAliveRequests 0
LimitRequestFieldSize 8190
SSLSessionCache shmcb:%[2]s/ssl_scache(512000)
Listen %[4]s https
Listen %[5]s http
Listen %[6]s https
DocumentRoot %[7]s
<Directory />
  Require all denied
</Directory>
<Directory %[7]s>
  Require all granted
</Directory>
<Location /bigheaders.txt>
%[8]s</Location>
ProxyPass /sum http://%[9]s/sum
<VirtualHost %[4]s>
  SSLEngine on
  SSLCertificateFile %[10]s
  SSLCertificateKeyFile %[11]s
  Protocols h2 http/1.1
</VirtualHost>
<VirtualHost %[5]s>
  Protocols h2c http/1.1
  H2Direct on
</VirtualHost>
<VirtualHost %[6]s>
  SSLEngine on
  SSLCertificateFile %[10]s
  SSLCertificateKeyFile %[11]s
  Protocols http/1.1
</VirtualHost>
`, mods.String(), o.Dir, seconds(o.IdleTimeout), ports[0], ports[1], ports[2], root, big.String(), up.addr, cert, key)
	p, stop, err := w.launch(ctx, o, "apache", "apache.conf", conf, func(confPath string) []string {
		return []string{"-DFOREGROUND", "-d", o.Dir, "-f", confPath}
	})
	if err != nil {
		return nil, err
	}
	return &Server{
		Version: version(bin, "-v"),
		addrs:   map[Proto]string{H2: ports[0], H1TLS: ports[0], H1: ports[1], H2C: ports[1]},
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, Upstream: true, BigHeaders: true,
			IdleTimeout: roundSeconds(o.IdleTimeout), Reload: true, EarlyUploadAnswer: true,
			MaxRequestHeaderBytes: 8190,
		},
		HTTP1OnlyTLSAddr: ports[2],
		reload:           func(context.Context) error { return p.signal(syscall.SIGUSR1) },
		stop:             stop,
	}, nil
}
