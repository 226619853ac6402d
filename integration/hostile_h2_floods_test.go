package integration

import (
	"encoding/binary"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/plexhttp/plex/h2"
	"github.com/plexhttp/plex/internal/faults"
	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
)

const floodFrames = 1000

var _ = registerSuite("TestHostileH2PingFlood", TestHostileH2PingFlood)

// TestHostileH2PingFlood: every PING of a flood is answered, in order, and
// the request under way completes.
func TestHostileH2PingFlood(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.7, §10.5", "PING flood: each PING is acknowledged with its payload, the request completes")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/")
		p, _, reqs := pc.open()
		var b []byte
		for i := range floodFrames {
			b = append(b, h2peer.RawFrame(http2.FramePing, 0, 0, binary.BigEndian.AppendUint64(nil, uint64(i)))...)
		}
		p.WriteRaw(b)
		for i := range floodFrames {
			got := p.WantPingAck()
			require.Equal(t, uint64(i), binary.BigEndian.Uint64(got[:]))
		}
		respond(p, reqs[0].ID(), "/")
		o := pc.done(ch)
		require.NoError(t, o.err)
		require.Equal(t, "served /", string(o.body))
		p.WantIdle()
	})
}

var _ = registerSuite("TestHostileH2SettingsFlood", TestHostileH2SettingsFlood)

// TestHostileH2SettingsFlood: every SETTINGS of a flood is acknowledged and
// the last values win.
func TestHostileH2SettingsFlood(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §6.5.3, §10.5", "SETTINGS flood: each SETTINGS is acknowledged, the request completes")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, nil)
		ch := pc.get("/")
		p, _, reqs := pc.open()
		var b []byte
		for i := range floodFrames {
			b = append(b, h2peer.RawFrame(http2.FrameSettings, 0, 0, settingBytes(http2.SettingMaxConcurrentStreams, uint32(100+i)))...)
		}
		p.WriteRaw(b)
		for range floodFrames {
			p.WantSettingsAck()
		}
		respond(p, reqs[0].ID(), "/")
		o := pc.done(ch)
		require.NoError(t, o.err)
		p.WantIdle()
	})
}

var _ = registerSuite("TestHostileH2PingFloodWithoutReading", TestHostileH2PingFloodWithoutReading)

// TestHostileH2PingFloodWithoutReading: a flood from a peer that does not
// read the acknowledgements cannot pile them up in memory: the client's
// writes push back and the write timeout fails the connection.
func TestHostileH2PingFloodWithoutReading(t *testing.T) {
	checks(t, "Faults: HTTP/2", "RFC 9113 §10.5", "PING flood from a peer that does not read: bounded by the write timeout, connection failed")
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeClient(t, true, []faults.PipesOption{faults.WithConnOptions(memconn.Options{MaxBuffered: 64 << 10})})
		ch := pc.get("/")
		p, _, _ := pc.open()
		ping := h2peer.RawFrame(http2.FramePing, 0, 0, make([]byte, 8))
		start := time.Now()
		// 100k PINGs is 1.7 MB; the flood stops once the client hangs up.
		go func() {
			for range 100_000 {
				if _, err := p.Conn().Write(ping); err != nil {
					return
				}
			}
		}()
		o := pc.waitFor(ch)
		require.GreaterOrEqual(t, time.Since(start), h2.DefaultWriteByteTimeout)
		var ne net.Error
		require.ErrorAs(t, o.err, &ne)
		require.True(t, ne.Timeout(), o.err.Error())
		requireMaybeProcessed(t, o.err)
		p.Conn().Close()
	})
}

func settingBytes(id http2.SettingID, v uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(nil, uint16(id)), v)
}
