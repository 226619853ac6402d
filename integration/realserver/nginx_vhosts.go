package realserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// VirtualHost is one name-based server of StartNginxVirtualHosts.
type VirtualHost struct {
	// Names are its server_name values; the first one names it in answers.
	Names []string
	// Misdirect makes it ask clients for a certificate (ssl_verify_client
	// optional_no_ca), upon which nginx answers 421 (Misdirected Request)
	// to a request for one of Names that arrives on a TLS connection whose
	// SNI named another server: such a request would skip the check.
	Misdirect bool
}

// StartNginxVirtualHosts starts nginx with one TLS listener (h2 and
// http/1.1 by ALPN) on 127.0.0.1, carrying every server of hosts, told
// apart by the request's Host as usual. Each answers every request with
// 200 and the body "<its first name> host=<Host> sni=<TLS server name>".
// URL(H2) gives the listener's address under "127.0.0.1"; a test reaches
// the other names by mapping them to it in its dialer. Certs must cover
// the names.
func StartNginxVirtualHosts(ctx context.Context, o Options, hosts []VirtualHost) (*Server, error) {
	if len(hosts) == 0 || o.Dir == "" || o.Certs == nil {
		return nil, errors.New("realserver: virtual hosts need hosts, a directory and certificates")
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = time.Second
	}
	w, err := prepare(o, "nginx", 1, false)
	if err != nil {
		return nil, err
	}
	var servers strings.Builder
	for i, vh := range hosts {
		if len(vh.Names) == 0 {
			return nil, fmt.Errorf("realserver: virtual host %d has no names", i)
		}
		verify := ""
		if vh.Misdirect {
			verify = "    ssl_verify_client optional_no_ca;\n"
		}
		fmt.Fprintf(&servers, `  server {
    listen %[1]s ssl http2;
    server_name %[2]s;
    ssl_certificate %[3]s;
    ssl_certificate_key %[4]s;
%[5]s    location / {
      default_type text/plain;
      return 200 "%[6]s host=$host sni=$ssl_server_name";
    }
  }
`, w.ports[0], strings.Join(vh.Names, " "), w.cert, w.key, verify, vh.Names[0])
	}
	_, stop, err := launchNginx(ctx, w, o, nginxConf(o, "info", 256, servers.String()))
	if err != nil {
		return nil, err
	}
	return &Server{
		Kind:    Nginx,
		Version: version(w.bin, "-v"),
		addrs:   map[Proto]string{H2: w.ports[0], H1TLS: w.ports[0]},
		Caps:    Caps{Protos: []Proto{H2, H1TLS}, IdleTimeout: roundSeconds(o.IdleTimeout)},
		certs:   o.Certs,
		stop:    stop,
	}, nil
}
