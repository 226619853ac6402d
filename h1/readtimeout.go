package h1

import (
	"errors"
	"io"
	"os"
	"time"

	"github.com/plexhttp/plex/internal/timeout"
)

// netReader is the connection's input, beneath br. While a response body is
// read with Config.BodyReadTimeout set (armed), it moves the read deadline
// before every read from the network, so a read fails once no byte has
// come for that long, however the body's Reads and the buffer's fills line
// up. Unarmed it costs one branch.
//
// It belongs to whoever owns the read side (see Conn).
type netReader struct {
	c     *Conn
	src   io.Reader // c.nc, or its socket read directly (see socketIO)
	armed bool
}

func (r *netReader) Read(p []byte) (int, error) {
	if !r.armed {
		return r.src.Read(p)
	}
	d := r.c.cfg.BodyReadTimeout
	if err := r.c.nc.SetReadDeadline(time.Now().Add(d)); err != nil {
		return 0, err
	}
	n, err := r.src.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = timeout.Errorf("body read timeout: no byte for %v", d)
	}
	return n, err
}

// disarm stops bounding reads and clears the deadline, so that what reads
// next (a drain with a deadline of its own, the idle probe, the next
// exchange) starts from none.
func (r *netReader) disarm() {
	if r.armed {
		r.armed = false
		_ = r.c.nc.SetReadDeadline(timeZero)
	}
}
