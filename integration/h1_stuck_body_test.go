package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

// A request body whose Read blocks and whose Close does not wake it (a pipe
// behind io.NopCloser) holds neither Client.Close nor the request itself:
// both return, and the goroutine left inside the body's Read ends, without
// touching the closed connection, once the body's owner unblocks it.
func TestClientCloseReturnsWithBodyStuckInRead(t *testing.T) {
	arrived := make(chan struct{}, 1)
	s := startRaw(t, func(_ *rawServer, _ net.Conn, br *bufio.Reader, _ int) {
		if _, err := br.ReadString('\n'); err != nil {
			return
		}
		arrived <- struct{}{}
		io.Copy(io.Discard, br)
	})
	c, err := plex.New(plex.WithProtocols(plex.HTTP1))
	require.NoError(t, err)

	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/upload", io.NopCloser(pr))
	require.NoError(t, err)
	rtDone := make(chan error, 1)
	go func() {
		resp, err := c.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		rtDone <- err
	}()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("the request never reached the server")
	}

	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("Client.Close blocked on the request body")
	}
	select {
	case err := <-rtDone:
		require.Error(t, err)
	case <-ctx.Done():
		t.Fatal("RoundTrip blocked on the request body")
	}
	pw.Close()
}
