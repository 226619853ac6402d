// Package netshape is a TCP proxy that makes a loopback connection behave
// like a long, rate-limited path, so that benchmarks can show what a client
// does when the round trip is tens of milliseconds rather than tens of
// microseconds (flow-control windows above all).
//
// Each direction of a proxied connection is a link of its own: bytes are
// serialised at the link rate behind the bytes before them, then delivered
// after the propagation delay. What the proxy holds per direction is
// bounded (Link.Limit); when that is full it stops reading from the sender,
// which TCP turns into back-pressure. The link never drops or reorders
// bytes, and the sockets on either side of the proxy are on loopback, so
// TCP's own congestion control sees a loopback round trip: the emulation is
// of what an application's windows see, not of loss recovery. The TCP
// handshake itself is not delayed.
package netshape

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Link describes the emulated path; both directions get the same one.
type Link struct {
	// Delay is the one-way propagation delay: a round trip through the
	// proxy takes at least 2×Delay.
	Delay time.Duration
	// BitsPerSecond is the rate of each direction; zero means no limit
	// (delay only).
	BitsPerSecond int64
	// QueueBytes is the router buffer of each direction: bytes that have
	// arrived and wait for the link. Zero picks one round trip's worth of
	// the link (2×Delay at BitsPerSecond, at least 64 KiB), or 4 MiB when
	// the rate is unlimited.
	QueueBytes int
}

// Limit is the most bytes the proxy holds per direction of a connection:
// the router queue plus what is on the wire (Delay at BitsPerSecond).
func (l Link) Limit() int {
	wire := l.wireBytes()
	q := l.QueueBytes
	if q == 0 {
		q = 4 << 20
		if l.BitsPerSecond > 0 {
			q = max(2*wire, 64<<10)
		}
	}
	return q + wire
}

func (l Link) wireBytes() int {
	if l.BitsPerSecond <= 0 {
		return 0
	}
	return int(l.BitsPerSecond / 8 * int64(l.Delay) / int64(time.Second))
}

// serialise is how long n bytes occupy the link.
func (l Link) serialise(n int) time.Duration {
	if l.BitsPerSecond <= 0 {
		return 0
	}
	return time.Duration(int64(n) * 8 * int64(time.Second) / l.BitsPerSecond)
}

func (l Link) validate() error {
	switch {
	case l.Delay < 0:
		return fmt.Errorf("netshape: negative delay %v", l.Delay)
	case l.BitsPerSecond < 0:
		return fmt.Errorf("netshape: negative rate %d bit/s", l.BitsPerSecond)
	case l.QueueBytes < 0:
		return fmt.Errorf("netshape: negative queue %d bytes", l.QueueBytes)
	}
	return nil
}

// dialTimeout bounds the connect to the upstream; Close cuts it short.
const dialTimeout = 10 * time.Second

// Proxy accepts connections and forwards each to the upstream address
// through an emulated Link. Its methods are safe for concurrent use.
type Proxy struct {
	ln       *net.TCPListener
	upstream string
	link     Link
	limit    int
	epoch    time.Time // due times are durations since epoch: monotonic

	ctx    context.Context // cancelled by Close; every connection watches it
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and every connection's goroutines
	once   sync.Once
	peak   atomic.Int64 // most bytes any one direction held at once
}

// Listen starts a proxy on addr (e.g. "127.0.0.1:0") that forwards every
// connection it accepts to upstream through link.
func Listen(addr, upstream string, link Link) (*Proxy, error) {
	if err := link.validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("netshape: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{ln: ln.(*net.TCPListener), upstream: upstream, link: link, limit: link.Limit(),
		epoch: time.Now(), ctx: ctx, cancel: cancel}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() net.Addr { return p.ln.Addr() }

// Link is the path the proxy emulates.
func (p *Proxy) Link() Link { return p.link }

// PeakHeld is the most bytes one direction of one connection has held at
// once since the proxy started; it never exceeds Link().Limit().
func (p *Proxy) PeakHeld() int { return int(p.peak.Load()) }

// Close stops accepting, closes every proxied connection in both
// directions, and returns once all of the proxy's goroutines have ended.
func (p *Proxy) Close() error {
	var err error
	p.once.Do(func() {
		p.cancel()
		err = p.ln.Close()
	})
	p.wg.Wait()
	return err
}

// now is the monotonic time since the proxy started.
func (p *Proxy) now() time.Duration { return time.Since(p.epoch) }

func (p *Proxy) notePeak(held int) {
	for {
		old := p.peak.Load()
		if int64(held) <= old || p.peak.CompareAndSwap(old, int64(held)) {
			return
		}
	}
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	backoff := 5 * time.Millisecond
	for {
		c, err := p.ln.AcceptTCP()
		if err != nil {
			if p.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors and the like: wait rather than spin.
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve dials the upstream for client and runs the two directions until
// both have ended with a half-close, either fails, or the proxy closes.
func (p *Proxy) serve(client *net.TCPConn) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, dialTimeout)
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", p.upstream)
	cancel()
	if err != nil {
		client.Close()
		return
	}
	upstream := nc.(*net.TCPConn)

	stop := make(chan struct{})
	var stopOnce sync.Once
	abort := func() { stopOnce.Do(func() { close(stop) }) }
	finished := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for _, dir := range [][2]*net.TCPConn{{client, upstream}, {upstream, client}} {
		pp := newPipe(p, dir[0], dir[1], stop, abort, finished)
		wg.Go(pp.readLoop)
		wg.Go(pp.writeLoop)
	}
	for ended := 0; ended < 2; {
		select {
		case <-finished:
			ended++
		case <-stop:
			ended = 2
		case <-p.ctx.Done():
			ended = 2
		}
	}
	abort()
	client.Close()
	upstream.Close()
	wg.Wait()
}
