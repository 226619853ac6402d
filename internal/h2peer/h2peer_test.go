package h2peer

import (
	"testing"
	"testing/synctest"

	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

func TestRawFrameLayout(t *testing.T) {
	b := RawFrame(http2.FrameRSTStream, 0x1, 5, []byte{0, 0, 0, 8})
	require.Equal(t, []byte{0, 0, 4, 3, 1, 0, 0, 0, 5, 0, 0, 0, 8}, b)
}

func TestPeerReadsWhatAClientFramerWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		defer c.Close()
		p := New(t, s)
		fr := http2.NewFramer(c, c)
		c.Write([]byte(http2.ClientPreface))
		fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0})
		fr.WriteWindowUpdate(0, 100)
		go func() {
			// The client side acknowledges the peer's SETTINGS.
			for {
				f, err := fr.ReadFrame()
				if err != nil {
					return
				}
				if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
					fr.WriteSettingsAck()
				}
			}
		}()
		got := p.Handshake()
		require.Equal(t, map[http2.SettingID]uint32{http2.SettingEnablePush: 0}, got)
		p.WriteRSTStream(1, http2.ErrCodeCancel)
		p.WantIdle()
		s.Close()
	})
}
