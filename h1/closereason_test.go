package h1

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/event"
)

// TestCloseReason: each way an HTTP/1.1 connection stops taking requests
// maps to its ConnClosed reason.
func TestCloseReason(t *testing.T) {
	const closing = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
	for _, tc := range []struct {
		name   string
		cfg    *Config
		reply  string
		header string // request Connection header
		want   event.CloseReason
	}{
		{"server says close", nil, closing, "", event.ClosePeerClose},
		{"keep-alives off", &Config{DisableKeepAlives: true}, okHello, "", event.CloseKeepAlivesOff},
		{"request says close", nil, okHello, "close", event.CloseKeepAlivesOff},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc := newPipeConn(t, tc.cfg, ConnOptions{})
			done := serve(t, pc.srv, answer(tc.reply))
			mustReserve(t, pc.Conn)
			req := newReq(t, "GET", "http://h/", nil)
			if tc.header != "" {
				req.Header.Set("Connection", tc.header)
			}
			resp, err := pc.RoundTrip(req)
			require.NoError(t, err)
			require.NoError(t, <-done)
			_, err = io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Error(t, pc.Err())
			r, code := pc.CloseReason()
			require.Equal(t, tc.want, r)
			require.Zero(t, code)
		})
	}
	t.Run("client close", func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		require.NoError(t, pc.Close())
		r, _ := pc.CloseReason()
		require.Equal(t, event.CloseClient, r)
	})
}
