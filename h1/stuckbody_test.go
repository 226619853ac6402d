package h1

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A request body whose Read blocks and whose Close does not wake it (a
// pipe wrapped in io.NopCloser) cannot hold Close, or the failing
// RoundTrip, forever: the writer inside Read is abandoned, and when Read
// returns at last it ends without writing.
func TestCloseDoesNotWaitForBodyBlockedInRead(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	arrived := make(chan struct{})
	srvDone := serve(t, pc.srv, func(p *peer) error {
		// The request line and header arrive; the body never does.
		_, err := p.br.ReadString('\n')
		close(arrived)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, p.br)
		return nil
	})
	pr, pw := io.Pipe()
	defer pw.Close()
	req := newReq(t, "POST", "http://h/", io.NopCloser(pr))
	req.ContentLength = -1
	mustReserve(t, pc.Conn)
	rtDone := make(chan error, 1)
	go func() {
		_, err := pc.RoundTrip(req)
		rtDone <- err
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	select {
	case <-arrived:
	case <-ctx.Done():
		t.Fatal("request header never arrived")
	}

	closed := make(chan error, 1)
	go func() { closed <- pc.Close() }()
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close blocked on a body stuck in Read")
	}
	select {
	case err := <-rtDone:
		require.Error(t, err)
	case <-ctx.Done():
		t.Fatal("RoundTrip blocked on a body stuck in Read")
	}
	require.True(t, pc.writerGone.Load())

	// The body's owner unblocks it at last, and the writer ends (goleak).
	pw.Close()
	require.NoError(t, <-srvDone)
}
