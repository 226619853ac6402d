package realserver

import (
	"context"
	"syscall"
)

// startNghttpd runs two nghttpd processes, one for h2 over TLS and one for
// h2c (nghttpd speaks only HTTP/2), with --echo-upload so that POST and PUT
// answer with the body received. nghttpd never closes idle connections and
// has no graceful reload.
func startNghttpd(ctx context.Context, o Options) (*Server, error) {
	w, err := prepare(o, "nghttpd", 2, false)
	if err != nil {
		return nil, err
	}
	bin, root, cert, key, ports := w.bin, w.root, w.cert, w.key, w.ports
	common := []string{"--address=127.0.0.1", "--htdocs=" + root, "--echo-upload"}
	tlsProc, err := startProc(o.Dir, "nghttpd-tls", bin, append(common, port(ports[0]), key, cert))
	if err != nil {
		return nil, err
	}
	plainProc, err := startProc(o.Dir, "nghttpd-h2c", bin, append(common, "--no-tls", port(ports[1])))
	if err != nil {
		tlsProc.stop(syscall.SIGTERM)
		return nil, err
	}
	stop := func() error { return stopAll(syscall.SIGTERM, tlsProc, plainProc) }
	if err := waitReady(ctx, ports, tlsProc, plainProc); err != nil {
		stop()
		return nil, err
	}
	return &Server{
		Version: version(bin, "--version"),
		addrs:   map[Proto]string{H2: ports[0], H2C: ports[1]},
		Caps: Caps{
			Protos: []Proto{H2, H2C}, Upload: UploadEcho,
			MaxRequestHeaderBytes: 16 << 10,
		},
		stop: stop,
	}, nil
}
