package h2

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
)

// progressCase is one run of the receive-side progress property: whatever
// the windows, the number of streams, the sizes, the peer's sending order and
// the order the application reads in, every body is received whole.
type progressCase struct {
	streamWin, connWin uint32
	bodies             []int // one response per entry, tagged by its index
	readOrder          []int // the order the application reads the bodies in
	readSize           int   // bytes asked for by each Read
	order              sendOrder
	hdrsWithData       bool // the peer sends HEADERS only when DATA may follow
	seed               uint64
}

func (c progressCase) String() string {
	total := 0
	for _, b := range c.bodies {
		total += b
	}
	return fmt.Sprintf("stream=%d conn=%d streams=%d total=%d read=%d order=%v hdrsWithData=%v seed=%d",
		c.streamWin, c.connWin, len(c.bodies), total, c.readSize, c.order, c.hdrsWithData, c.seed)
}

// runProgressCase opens every request at once, waits for all response
// headers, then reads the bodies one after another in readOrder: the pattern
// of a worker pool draining many downloads.
func runProgressCase(t *testing.T, c progressCase) {
	runSynctest(t, func(t *testing.T) {
		cn, sn := memconn.Pipe()
		p := startFlowPeer(sn, c.order, c.hdrsWithData, c.seed)
		cc, err := NewClientConn(cn, &Config{InitialStreamWindowSize: c.streamWin, InitialConnWindowSize: c.connWin}, nil, nil)
		require.NoError(t, err)
		defer p.stop()
		defer cc.Close()

		resps := make([]chan rtResult, len(c.bodies))
		for i, n := range c.bodies {
			req, err := http.NewRequest("GET", fmt.Sprintf("http://peer/%d/%d", n, i), nil)
			require.NoError(t, err)
			resps[i] = make(chan rtResult, 1)
			go func() {
				resp, err := cc.RoundTrip(req)
				resps[i] <- rtResult{resp, err}
			}()
		}
		synctest.Wait()
		bodies := make([]io.ReadCloser, len(c.bodies))
		for i := range resps {
			select {
			case r := <-resps[i]:
				require.NoError(t, r.err, "request %d", i)
				bodies[i] = r.resp.Body
			default:
				t.Fatalf("%v: response %d never arrived", c, i)
			}
		}

		var got []int // bytes received per body, in read order
		done := make(chan error, 1)
		go func() {
			buf := make([]byte, c.readSize)
			for _, i := range c.readOrder {
				p.setReading(i)
				got = append(got, 0)
				for {
					n, err := bodies[i].Read(buf)
					for k := range n {
						if buf[k] != flowPeerByte(i, got[len(got)-1]+k) {
							done <- fmt.Errorf("body %d: wrong byte at offset %d", i, got[len(got)-1]+k)
							return
						}
					}
					got[len(got)-1] += n
					if err == io.EOF {
						break
					}
					if err != nil {
						done <- fmt.Errorf("body %d: %w", i, err)
						return
					}
				}
				if got[len(got)-1] != c.bodies[i] {
					done <- fmt.Errorf("body %d: %d bytes, want %d", i, got[len(got)-1], c.bodies[i])
					return
				}
				bodies[i].Close()
			}
			done <- nil
		}()
		synctest.Wait()
		select {
		case err := <-done:
			require.NoError(t, err, "%v", c)
		default:
			// Everything in the bubble is blocked: the reader waits for
			// bytes the peer may not send. That is the deadlock.
			for _, b := range bodies {
				b.Close()
			}
			<-done
			t.Fatalf("%v: stuck after %d of %d bodies (bytes read per body, in read order: %v)", c, len(got)-1, len(c.bodies), got)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		require.NoError(t, p.err)
		// Lending credit to a waiting reader may take the connection past
		// its window, but never past the window plus what the streams'
		// own windows could hold.
		cfg, err := (&Config{InitialStreamWindowSize: c.streamWin, InitialConnWindowSize: c.connWin}).withDefaults()
		require.NoError(t, err)
		bound := int64(cfg.InitialConnWindowSize) + int64(len(c.bodies))*int64(cfg.InitialStreamWindowSize)
		require.LessOrEqual(t, p.maxWindow, bound, "%v: peer credit", c)
	})
}

// TestReadingBodiesOneByOneCompletes is the reported case: 20 downloads of
// 1 MiB on one connection with the default windows (more than the connection
// window in all), every response collected first, then the bodies read one
// after another while the server spreads its DATA over all streams.
func TestReadingBodiesOneByOneCompletes(t *testing.T) {
	bodies := make([]int, 20)
	order := make([]int, 20)
	for i := range bodies {
		bodies[i] = 1 << 20
		order[i] = i
	}
	// Go's server spreads DATA over the streams; nginx also holds HEADERS
	// back until DATA can follow.
	for _, c := range []struct {
		order        sendOrder
		hdrsWithData bool
	}{{orderRoundRobin, false}, {orderAvoidRead, true}} {
		t.Run(fmt.Sprintf("%v/hdrsWithData=%v", c.order, c.hdrsWithData), func(t *testing.T) {
			runProgressCase(t, progressCase{bodies: bodies, readOrder: order, readSize: 32 << 10, order: c.order, hdrsWithData: c.hdrsWithData})
		})
	}
}

// TestReceiveProgressProperty draws windows, stream counts, body sizes, read
// orders and peer sending orders at random (seeded, so a failure names its
// case) and checks every body arrives whole.
func TestReceiveProgressProperty(t *testing.T) {
	cases := 48
	if testing.Short() {
		cases = 12
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	streamWins := []uint32{initialWindow, 100_000, 1 << 20}
	connWins := []uint32{initialWindow, 150_000, 1 << 20, 16 << 20}
	sizes := []int{0, 1, 16384, 70_000, 300_000}
	for k := range cases {
		c := progressCase{
			streamWin:    streamWins[rng.IntN(len(streamWins))],
			connWin:      connWins[rng.IntN(len(connWins))],
			readSize:     []int{1, 1000, 16384, 64 << 10}[rng.IntN(4)],
			order:        sendOrder(rng.IntN(5)),
			hdrsWithData: rng.IntN(2) == 0,
			seed:         rng.Uint64(),
		}
		n := 1 + rng.IntN(24)
		for range n {
			c.bodies = append(c.bodies, sizes[rng.IntN(len(sizes))])
		}
		c.readOrder = rng.Perm(n)
		if c.readSize == 1 {
			// Byte-at-a-time reads are slow under the race detector;
			// keep their bodies small.
			for i := range c.bodies {
				c.bodies[i] = min(c.bodies[i], 20_000)
			}
		}
		t.Run(fmt.Sprint(k), func(t *testing.T) { runProgressCase(t, c) })
	}
}
