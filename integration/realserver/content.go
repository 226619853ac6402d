package realserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// The files every server serves, by path.
const (
	SmallFile  = "/small.txt"
	File64K    = "/64k.bin"
	File1M     = "/1m.bin"
	File16M    = "/16m.bin"
	BigHdrFile = "/bigheaders.txt"
	Missing    = "/missing"
	SumPath    = "/sum"
	// UpgradePath takes requests that switch protocols (Connection:
	// upgrade), on servers whose Caps.Upgrade is set: they are relayed to
	// Options.UpgradeUpstream, or to Go's upstream, which answers any
	// protocol token with 101 and then echoes every byte upper-cased.
	UpgradePath = "/upgrade"
)

var fileSizes = map[string]int{
	SmallFile:  1000,
	File64K:    64 << 10,
	File1M:     1 << 20,
	File16M:    16 << 20,
	BigHdrFile: 2,
}

var files = sync.OnceValue(func() map[string][]byte {
	m := make(map[string][]byte, len(fileSizes))
	for name, n := range fileSizes {
		m[name] = Pattern(n, uint32(n)+1)
	}
	return m
})

// File returns the content served at path (one of the file constants).
// Callers must not modify it.
func File(path string) []byte { return files()[path] }

// Pattern returns n bytes that no compressor shrinks much and that reveal
// reordering or loss when hashed; seed varies them between files.
func Pattern(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed*2654435761 + 2463534242
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// Sum is the hex sha256 of b, the form /sum answers with.
func Sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// BigHeaders are the response header fields GET /bigheaders.txt carries:
// 8 fields of 3000 characters, together larger than one 16 KiB HTTP/2
// frame even after HPACK's Huffman coding, so they need CONTINUATION frames.
var BigHeaders = sync.OnceValue(func() map[string]string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	m := make(map[string]string, 8)
	for i := range 8 {
		raw := Pattern(3000, uint32(100+i))
		for j := range raw {
			raw[j] = alphabet[int(raw[j])%len(alphabet)]
		}
		m["X-Big-"+strconv.Itoa(i)] = string(raw)
	}
	return m
})

// sortedBigHeaders gives BigHeaders in a stable order for configurations.
func sortedBigHeaders() [][2]string {
	m := BigHeaders()
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// writeDocroot writes every file into dir/htdocs and returns that path.
func writeDocroot(dir string) (string, error) {
	root := filepath.Join(dir, "htdocs")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	for name, b := range files() {
		if err := os.WriteFile(filepath.Join(root, name), b, 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}

// sumHandler answers POST and PUT with the body's length and sha256.
func sumHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		http.Error(w, "POST or PUT only", http.StatusMethodNotAllowed)
		return
	}
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
}

// upgradeEchoHandler switches to the protocol the request names and echoes
// what it reads, upper-cased, until the client closes.
func upgradeEchoHandler(w http.ResponseWriter, r *http.Request) {
	up := r.Header.Get("Upgrade")
	if up == "" {
		http.Error(w, "Upgrade header required", http.StatusUpgradeRequired)
		return
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot switch protocols: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer nc.Close()
	if _, err := fmt.Fprintf(nc, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", up); err != nil {
		return
	}
	buf := make([]byte, 4096)
	for {
		n, err := brw.Read(buf)
		if n > 0 {
			if _, werr := nc.Write(bytes.ToUpper(buf[:n])); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// upstream is Go's HTTP/1.1 server behind a proxying server: it answers
// /sum, and serves the files for servers that cannot serve large files
// themselves.
type upstream struct {
	srv  *http.Server
	addr string
	done chan struct{}
}

func startUpstream() (*upstream, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("upstream listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(SumPath, sumHandler)
	mux.HandleFunc(UpgradePath, upgradeEchoHandler)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, ok := files()[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method != http.MethodHead {
			w.Write(b)
		}
	})
	u := &upstream{
		srv:  &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		addr: l.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(u.done)
		u.srv.Serve(l)
	}()
	return u, nil
}

func (u *upstream) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := u.srv.Shutdown(ctx)
	if err != nil {
		u.srv.Close()
	}
	<-u.done
	return err
}

// workspace is what every server needs before its configuration is
// written: its program, a document root, certificate files, loopback
// ports, and (for servers that proxy uploads) Go's upstream.
type workspace struct {
	bin, root, cert, key string
	ports                []string
	up                   *upstream // nil unless asked for
}

// prepare sets up a workspace in o.Dir for program with n free ports. On
// error nothing is left running.
func prepare(o Options, program string, n int, withUpstream bool) (*workspace, error) {
	bin, err := lookPath(program)
	if err != nil {
		return nil, err
	}
	w := &workspace{bin: bin}
	if w.root, err = writeDocroot(o.Dir); err != nil {
		return nil, err
	}
	if w.cert, w.key, _, err = o.Certs.WriteFiles(o.Dir); err != nil {
		return nil, err
	}
	if w.ports, err = freePorts(n); err != nil {
		return nil, err
	}
	if withUpstream {
		if w.up, err = startUpstream(); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// launch writes conf to o.Dir/confName, starts the server with the args
// that args builds from the config's path, and waits for its ports. stop
// ends the server and the upstream; on error both are already stopped.
func (w *workspace) launch(ctx context.Context, o Options, name, confName, conf string, args func(confPath string) []string, env ...string) (p *proc, stop func() error, err error) {
	closeUp := func() error {
		if w.up == nil {
			return nil
		}
		return w.up.close()
	}
	confPath, err := writeFile(o.Dir, confName, conf)
	if err != nil {
		closeUp()
		return nil, nil, err
	}
	p, err = startProc(o.Dir, name, w.bin, args(confPath), env...)
	if err != nil {
		closeUp()
		return nil, nil, err
	}
	stop = func() error { return joinErr(p.stop(syscall.SIGTERM), closeUp()) }
	if err := waitReady(ctx, w.ports, p); err != nil {
		stop()
		return nil, nil, err
	}
	return p, stop, nil
}
