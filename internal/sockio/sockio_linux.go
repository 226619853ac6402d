package sockio

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Reader reads one socket. One goroutine at a time may use it.
type Reader struct {
	nc net.Conn
	rc syscall.RawConn
	fn func(fd uintptr) bool // r.read, bound once: a method value per call would allocate
	p  []byte
	n  int
	en syscall.Errno
}

// NewReader returns a Reader of nc's socket, or nil when nc is not a
// *net.TCPConn.
func NewReader(nc net.Conn) *Reader {
	rc := rawConnOf(nc)
	if rc == nil {
		return nil
	}
	r := &Reader{nc: nc, rc: rc}
	r.fn = r.read
	return r
}

// Writer writes one socket. One goroutine at a time may use it.
type Writer struct {
	nc    net.Conn
	rc    syscall.RawConn
	fn    func(fd uintptr) bool // w.write, bound once
	p     []byte
	n     int
	en    syscall.Errno
	short bool // a write took no bytes and gave no error
}

// NewWriter returns a Writer of nc's socket, or nil when nc is not a
// *net.TCPConn.
func NewWriter(nc net.Conn) *Writer {
	rc := rawConnOf(nc)
	if rc == nil {
		return nil
	}
	w := &Writer{nc: nc, rc: rc}
	w.fn = w.write
	return w
}

func rawConnOf(nc net.Conn) syscall.RawConn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// Read makes one read from the socket, waiting in the network poller
// while there is nothing to read. It returns io.EOF once the peer closed
// its side.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.en = p, 0, 0
	err := r.rc.Read(r.fn)
	n, en := r.n, r.en
	r.p = nil
	switch {
	case err != nil:
		return 0, reOp("read", r.nc, err)
	case en != 0:
		return 0, opError("read", r.nc, os.NewSyscallError("read", en))
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *Reader) read(fd uintptr) bool {
	for {
		// The socket is non-blocking, so the call cannot block: it needs
		// none of the runtime's preparation for one that could.
		n, _, en := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch en {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait in the poller, then call again
		case 0:
			r.n = int(n)
			raceAcquireIO(fd)
		default:
			r.en = en
		}
		return true
	}
}

// Write writes all of p, waiting in the network poller while the socket's
// send buffer is full. It returns how much was written before an error.
func (w *Writer) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	w.p, w.n, w.en, w.short = p, 0, 0, false
	err := w.rc.Write(w.fn)
	n, en := w.n, w.en
	w.p = nil
	switch {
	case err != nil:
		return n, reOp("write", w.nc, err)
	case en != 0:
		return n, opError("write", w.nc, os.NewSyscallError("write", en))
	case w.short:
		return n, opError("write", w.nc, io.ErrUnexpectedEOF)
	}
	return n, nil
}

func (w *Writer) write(fd uintptr) bool {
	raceReleaseIO(fd)
	for w.n < len(w.p) {
		n, _, en := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&w.p[w.n])), uintptr(len(w.p)-w.n))
		switch en {
		case 0:
			if n == 0 {
				// A socket that takes nothing without saying why would
				// have us spin; net.TCPConn gives up the same way.
				w.short = true
				return true
			}
			w.n += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			w.en = en
			return true
		}
	}
	return true
}

// reOp turns an error from RawConn's Read or Write (a deadline passed, the
// conn was closed) into the one net.TCPConn's Read or Write gives. RawConn
// reports it in a *net.OpError of its own, made for this call alone and
// alike but for Op ("raw-read"), so that one is renamed rather than a
// second allocated: the idle check of every reused TLS connection gets here
// with a past deadline.
func reOp(op string, nc net.Conn, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		oe.Op = op
		return oe
	}
	return opError(op, nc, err)
}

// opError shapes err as net.TCPConn's own Read and Write do.
func opError(op string, nc net.Conn, err error) error {
	return &net.OpError{Op: op, Net: nc.LocalAddr().Network(), Source: nc.LocalAddr(), Addr: nc.RemoteAddr(), Err: err}
}
