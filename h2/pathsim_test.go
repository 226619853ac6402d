package h2

import (
	"net"
	"sync"
	"time"

	"github.com/plexhttp/plex/internal/memconn"
)

// pathSim joins a client and a server through a simulated network path,
// for use inside a synctest bubble, where its delays are exact: bytes take
// half the round trip to cross in each direction and, when rate is
// positive, leave one after another at rate bytes per second, queueing
// behind each other as they would at a shaping proxy with a deep buffer.
type pathSim struct {
	client, server net.Conn
	ends           []net.Conn
	wg             sync.WaitGroup
}

func newPathSim(rtt time.Duration, rate int64) *pathSim {
	c, cr := memconn.Pipe()
	sr, s := memconn.Pipe()
	p := &pathSim{client: c, server: s, ends: []net.Conn{c, cr, sr, s}}
	p.relay(cr, sr, rtt/2, 0)    // requests, PINGs and WINDOW_UPDATEs
	p.relay(sr, cr, rtt/2, rate) // the bulk of the bytes
	return p
}

type inFlight struct {
	b  []byte
	at time.Time
}

// relay moves bytes read from src to dst after delay, serialized at rate.
func (p *pathSim) relay(src, dst net.Conn, delay time.Duration, rate int64) {
	ch := make(chan inFlight, 1<<14)
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		defer close(ch)
		var free time.Time // when the link is done with what it carries
		for {
			b := make([]byte, 256<<10)
			n, err := src.Read(b)
			if n > 0 {
				b = b[:n]
				leave := time.Now()
				if rate > 0 {
					if free.After(leave) {
						leave = free
					}
					leave = leave.Add(time.Duration(int64(n) * int64(time.Second) / rate))
					free = leave
				}
				ch <- inFlight{b[:n], leave.Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		defer dst.Close()
		failed := false
		for f := range ch {
			if failed {
				continue // drain, so the reading side never blocks
			}
			time.Sleep(time.Until(f.at))
			if _, err := dst.Write(f.b); err != nil {
				failed = true
				src.Close()
			}
		}
	}()
}

// close closes every end and waits for the relays.
func (p *pathSim) close() {
	for _, c := range p.ends {
		c.Close()
	}
	p.wg.Wait()
}
