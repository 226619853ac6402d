package h2

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// sendOrder is how a flowPeer picks the next stream to send DATA on when
// several have bytes left and window to carry them.
type sendOrder int

const (
	orderRoundRobin sendOrder = iota // one frame per stream in turn
	orderLowest                      // the oldest stream first
	orderHighest                     // the newest stream first
	orderRandom                      // any, chosen by the peer's seed
	orderAvoidRead                   // anything but the stream being read, if it can
)

func (o sendOrder) String() string {
	return [...]string{"round-robin", "lowest", "highest", "random", "avoid-read"}[o]
}

// flowPeer is a server that obeys flow control exactly and nothing more: it
// answers every request with a body whose size is the request path
// ("/1048576/7": 1 MiB of the bytes of tag 7), sending DATA whenever both windows allow, in the order its
// sendOrder picks. Unlike h2peer it runs by itself, so a test can watch a
// client make progress (or not) against a peer that never goes beyond what
// RFC 9113 requires of it.
//
// Guarded by mu: every field below it. One goroutine reads frames, one
// writes; wake (cap 1) tells the writer something changed.
type flowPeer struct {
	fr    *http2.Framer
	conn  net.Conn
	order sendOrder
	// hdrsWithData holds a response's HEADERS back until its first DATA
	// may follow, as nginx does.
	hdrsWithData bool
	rng          *rand.Rand
	wake         chan struct{}
	done         chan struct{}
	wg           sync.WaitGroup

	mu         sync.Mutex
	connWin    int64
	initWin    int64
	streams    map[uint32]*peerStream
	ids        []uint32 // open streams in the order they opened
	next       int      // round-robin position in ids
	reading    int      // the tag the client reads now (orderAvoidRead)
	pendingAck int      // SETTINGS frames to acknowledge
	pings      [][8]byte
	maxWindow  int64 // the largest window the peer ever had on the connection
	// maxStreamWin is the largest window the peer ever had on a stream;
	// pingsSeen counts the client's PINGs.
	maxStreamWin int64
	pingsSeen    int
	// frameSize is the largest DATA payload the client accepts
	// (SETTINGS_MAX_FRAME_SIZE), up to 1 MiB.
	frameSize int
	// zeros sends bodies of zero bytes, for tests that count bytes
	// rather than check them and would spend their time making them.
	zeros bool
	err   error
}

type peerStream struct {
	id       uint32
	tag      int
	win      int64
	left     int
	sentHdrs bool
	sent     int
}

// flowPeerByte is byte off of the body tagged tag: it depends on both, so
// bytes delivered to the wrong response or out of order are caught.
func flowPeerByte(tag, off int) byte { return byte(off*31 + off>>8 + tag*7) }

// startFlowPeer runs the server side of conn until the connection closes.
func startFlowPeer(conn net.Conn, order sendOrder, hdrsWithData bool, seed uint64) *flowPeer {
	p := &flowPeer{
		fr:           http2.NewFramer(conn, conn),
		conn:         conn,
		order:        order,
		hdrsWithData: hdrsWithData,
		rng:          rand.New(rand.NewPCG(seed, 1)),
		wake:         make(chan struct{}, 1),
		done:         make(chan struct{}),
		connWin:      initialWindow,
		initWin:      initialWindow,
		frameSize:    minMaxFrameSize,
		streams:      map[uint32]*peerStream{},
	}
	p.maxWindow = p.connWin
	p.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	p.wg.Add(2)
	go p.readLoop()
	go p.writeLoop()
	return p
}

// stop closes the connection and waits for both goroutines.
func (p *flowPeer) stop() {
	p.conn.Close()
	p.wg.Wait()
}

func (p *flowPeer) setReading(tag int) {
	p.mu.Lock()
	p.reading = tag
	p.mu.Unlock()
	signal(p.wake)
}

func (p *flowPeer) fail(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

func (p *flowPeer) readLoop() {
	defer p.wg.Done()
	defer close(p.done)
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := readFull(p.conn, preface); err != nil {
		return
	}
	for {
		f, err := p.fr.ReadFrame()
		if err != nil {
			return
		}
		p.mu.Lock()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				p.pendingAck++
				if v, ok := f.Value(http2.SettingMaxFrameSize); ok {
					p.frameSize = int(min(v, 1<<20))
				}
				if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
					delta := int64(v) - p.initWin
					p.initWin = int64(v)
					for _, s := range p.streams {
						s.win += delta
					}
				}
			}
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				p.connWin += int64(f.Increment)
				p.maxWindow = max(p.maxWindow, p.connWin)
			} else if s := p.streams[f.StreamID]; s != nil {
				s.win += int64(f.Increment)
				p.maxStreamWin = max(p.maxStreamWin, s.win)
			}
		case *http2.MetaHeadersFrame:
			var n, tag int
			if _, err := fmt.Sscanf(f.PseudoValue("path"), "/%d/%d", &n, &tag); err != nil {
				p.err = err
				break
			}
			p.streams[f.StreamID] = &peerStream{id: f.StreamID, tag: tag, win: p.initWin, left: n}
			p.maxStreamWin = max(p.maxStreamWin, p.initWin)
			p.ids = append(p.ids, f.StreamID)
		case *http2.RSTStreamFrame:
			p.dropLocked(f.StreamID)
		case *http2.PingFrame:
			if !f.IsAck() {
				p.pings = append(p.pings, f.Data)
				p.pingsSeen++
			}
		}
		p.mu.Unlock()
		signal(p.wake)
	}
}

func (p *flowPeer) dropLocked(id uint32) {
	delete(p.streams, id)
	for i, v := range p.ids {
		if v == id {
			p.ids = append(p.ids[:i], p.ids[i+1:]...)
			if p.next > i {
				p.next--
			}
			break
		}
	}
}

// pickLocked returns the stream to send on next and how many bytes, or nil.
func (p *flowPeer) pickLocked() (*peerStream, int) {
	var ready []*peerStream
	for _, id := range p.ids {
		s := p.streams[id]
		canSend := s.win > 0 && p.connWin > 0
		if s.left == 0 || canSend || (!s.sentHdrs && !p.hdrsWithData) {
			ready = append(ready, s)
		}
	}
	if len(ready) == 0 {
		return nil, 0
	}
	var s *peerStream
	switch p.order {
	case orderRoundRobin:
		p.next %= len(p.ids)
		for i := range p.ids {
			c := p.streams[p.ids[(p.next+i)%len(p.ids)]]
			if containsStream(ready, c) {
				s = c
				p.next = (p.next + i + 1) % len(p.ids)
				break
			}
		}
	case orderLowest:
		s = ready[0]
	case orderHighest:
		s = ready[len(ready)-1]
	case orderRandom:
		s = ready[p.rng.IntN(len(ready))]
	case orderAvoidRead:
		s = ready[0]
		for _, c := range ready {
			if c.tag != p.reading {
				s = c
				break
			}
		}
	}
	n := min(s.left, p.frameSize, int(max(0, min(s.win, p.connWin))))
	if p.order == orderRandom && n > 1 {
		n = 1 + p.rng.IntN(n)
	}
	return s, n
}

func containsStream(l []*peerStream, s *peerStream) bool {
	for _, c := range l {
		if c == s {
			return true
		}
	}
	return false
}

func (p *flowPeer) writeLoop() {
	defer p.wg.Done()
	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	data := make([]byte, 1<<20)
	if p.fr.WriteSettings() != nil {
		return
	}
	for {
		p.mu.Lock()
		for ; p.pendingAck > 0; p.pendingAck-- {
			p.fr.WriteSettingsAck()
		}
		for _, d := range p.pings {
			p.fr.WritePing(true, d)
		}
		p.pings = p.pings[:0]
		s, n := p.pickLocked()
		if s == nil {
			p.mu.Unlock()
			select {
			case <-p.wake:
				continue
			case <-p.done:
				return
			}
		}
		var err error
		switch {
		case !s.sentHdrs:
			s.sentHdrs = true
			hbuf.Reset()
			enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
			enc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.Itoa(s.left)})
			err = p.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: s.id, BlockFragment: hbuf.Bytes(), EndHeaders: true, EndStream: s.left == 0})
			if s.left == 0 {
				p.dropLocked(s.id)
			}
		default:
			for i := range n {
				if p.zeros {
					break
				}
				data[i] = flowPeerByte(s.tag, s.sent+i)
			}
			s.sent += n
			s.left -= n
			s.win -= int64(n)
			p.connWin -= int64(n)
			err = p.fr.WriteData(s.id, s.left == 0, data[:n])
			if s.left == 0 {
				p.dropLocked(s.id)
			}
		}
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
