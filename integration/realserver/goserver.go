package realserver

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"
)

// goServer is Go's net/http server in this process, on the same listeners
// across reloads: one accept loop per real listener hands connections to
// the current generation's http.Server, so a reload swaps generations
// without a moment when connections are refused.
//
// mu guards cur and gens, the generation accepting new connections; a
// reload replaces them and shuts the old generation down gracefully. wg
// counts the accept loops and Serve goroutines.
type goServer struct {
	mu        sync.Mutex
	cur       *http.Server   // guarded by mu
	gens      []*genListener // guarded by mu; one per listener
	listeners []net.Listener
	handler   http.Handler
	idle      time.Duration
	wg        sync.WaitGroup
}

// genListener is one generation's view of a real listener: it yields the
// connections the accept loop hands it, and Close ends only this view.
type genListener struct {
	addr   net.Addr
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newGen(addr net.Addr) *genListener {
	return &genListener{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *genListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *genListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *genListener) Addr() net.Addr { return l.addr }

// acceptLoop hands every connection of listener i to the current
// generation, trying the next one if a reload closed it meanwhile.
func (g *goServer) acceptLoop(i int) {
	for {
		c, err := g.listeners[i].Accept()
		if err != nil {
			return
		}
		for delivered := false; !delivered; {
			g.mu.Lock()
			gl := g.gens[i]
			g.mu.Unlock()
			select {
			case gl.ch <- c:
				delivered = true
			case <-gl.closed:
				if gl == g.lastGen(i) {
					c.Close() // stopping: no generation will take it
					delivered = true
				}
			}
		}
	}
}

func (g *goServer) lastGen(i int) *genListener {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.gens[i]
}

func startGo(ctx context.Context, o Options) (*Server, error) {
	root, err := writeDocroot(o.Dir)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	fs := http.FileServer(http.Dir(root))
	mux.HandleFunc(SumPath, sumHandler)
	mux.HandleFunc(BigHdrFile, func(w http.ResponseWriter, r *http.Request) {
		for _, kv := range sortedBigHeaders() {
			w.Header().Set(kv[0], kv[1])
		}
		fs.ServeHTTP(w, r)
	})
	mux.Handle("/", fs)
	g := &goServer{handler: mux, idle: o.IdleTimeout}

	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var ls []net.Listener
	ls = append(ls, plain)
	for _, protos := range [][]string{{"h2", "http/1.1"}, {"http/1.1"}, nil} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range ls {
				l.Close()
			}
			return nil, err
		}
		ls = append(ls, tls.NewListener(l, o.Certs.ServerTLS(protos...)))
	}
	g.listeners = ls
	g.mu.Lock()
	g.cur = g.newHTTPServer()
	g.serveLocked(g.cur)
	g.mu.Unlock()
	for i := range ls {
		g.wg.Go(func() { g.acceptLoop(i) })
	}

	s := &Server{
		Version: runtime.Version(),
		addrs: map[Proto]string{
			H2: ls[1].Addr().String(), H1TLS: ls[1].Addr().String(),
			H2C: plain.Addr().String(), H1: plain.Addr().String(),
		},
		HTTP1OnlyTLSAddr: ls[2].Addr().String(),
		NoALPNTLSAddr:    ls[3].Addr().String(),
		Caps: Caps{
			Protos: Protos, Upload: UploadDigest, BigHeaders: true,
			IdleTimeout: o.IdleTimeout, Reload: true,
			MaxRequestHeaderBytes: http.DefaultMaxHeaderBytes,
		},
		reload: g.reload,
		stop:   g.stop,
	}
	return s, nil
}

func (g *goServer) newHTTPServer() *http.Server {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           g.handler,
		Protocols:         &p,
		IdleTimeout:       g.idle,
		ReadHeaderTimeout: 10 * time.Second,
	}
}

// serveLocked starts srv as the new generation on every listener.
func (g *goServer) serveLocked(srv *http.Server) {
	g.gens = make([]*genListener, len(g.listeners))
	for i, l := range g.listeners {
		gl := newGen(l.Addr())
		g.gens[i] = gl
		g.wg.Go(func() { srv.Serve(gl) })
	}
}

func (g *goServer) reload(ctx context.Context) error {
	g.mu.Lock()
	old := g.cur
	g.cur = g.newHTTPServer()
	g.serveLocked(g.cur)
	g.mu.Unlock()
	return old.Shutdown(ctx)
}

func (g *goServer) stop() error {
	g.mu.Lock()
	cur := g.cur
	g.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := cur.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = cur.Close()
	}
	errs := []error{err}
	for _, l := range g.listeners {
		errs = append(errs, l.Close())
	}
	g.wg.Wait()
	return errors.Join(errs...)
}
