package faults

import (
	"context"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPipesHandsServerEndToAccept(t *testing.T) {
	p := NewPipes()
	defer p.Close()
	c, err := p.DialContext(context.Background(), "tcp", "x:80")
	require.NoError(t, err)
	s, err := p.Accept(context.Background())
	require.NoError(t, err)
	_, err = c.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(s, buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf))
	require.Equal(t, 1, p.Dials())
}

func TestPipesRefusedDial(t *testing.T) {
	p := NewPipes(WithRefusedDials(func(n int) bool { return n == 0 }))
	defer p.Close()
	_, err := p.DialContext(context.Background(), "tcp", "x:80")
	require.ErrorContains(t, err, "faults: dial 0 to x:80 refused")
	_, err = p.DialContext(context.Background(), "tcp", "x:80")
	require.NoError(t, err)
	require.Equal(t, 2, p.Dials())
}

func TestPipesAcceptHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPipes()
		defer p.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := p.Accept(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Nil(t, p.TryAccept())
	})
}

func TestPipesCloseFailsDialsAndConns(t *testing.T) {
	p := NewPipes()
	c, err := p.DialContext(context.Background(), "tcp", "x:80")
	require.NoError(t, err)
	require.NoError(t, p.Close())
	_, err = c.Write([]byte("x"))
	require.Error(t, err)
	_, err = p.DialContext(context.Background(), "tcp", "x:80")
	require.ErrorIs(t, err, ErrClosed)
}

func TestPipesBoundPendingDials(t *testing.T) {
	p := NewPipes()
	defer p.Close()
	for range maxPending {
		_, err := p.DialContext(context.Background(), "tcp", "x:80")
		require.NoError(t, err)
	}
	_, err := p.DialContext(context.Background(), "tcp", "x:80")
	require.ErrorContains(t, err, "not accepted")
}
