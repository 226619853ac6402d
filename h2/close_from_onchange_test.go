package h2

import (
	"testing"

	"github.com/plexhttp/plex/internal/h2peer"
	"github.com/plexhttp/plex/internal/memconn"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// A pool closes a connection from onChange as soon as it reports an error.
// When the reader goroutine itself fails the connection, that Close runs on
// the reader and must not wait for the reader to end.
func TestCloseFromOnChangeAfterConnectionError(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		defer s.Close()
		var cc *ClientConn
		closes := 0
		var err error
		cc, err = NewClientConn(c, nil, nil, func() {
			if cc.Err() != nil && closes == 0 {
				closes++
				cc.Close()
			}
		})
		require.NoError(t, err)
		p := h2peer.New(t, s)
		p.Handshake()
		p.WriteRaw(h2peer.RawFrame(http2.FrameData, 0, 0, []byte("x")))
		p.WantGoAway(http2.ErrCodeProtocol)
		p.WantClosed()
		// Close from the test returns: the reader ended instead of
		// waiting for itself inside onChange.
		cc.Close()
		require.Equal(t, 1, closes)
	})
}

// The same holds when the peer simply hangs up.
func TestCloseFromOnChangeAfterPeerHangsUp(t *testing.T) {
	runSynctest(t, func(t *testing.T) {
		c, s := memconn.Pipe()
		var cc *ClientConn
		closes := 0
		var err error
		cc, err = NewClientConn(c, nil, nil, func() {
			if cc.Err() != nil && closes == 0 {
				closes++
				cc.Close()
			}
		})
		require.NoError(t, err)
		p := h2peer.New(t, s)
		p.Handshake()
		s.Close()
		cc.Close()
		require.Equal(t, 1, closes)
	})
}
