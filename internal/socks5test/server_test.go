package socks5test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRefusesClientWithoutCredentials(t *testing.T) {
	s := &Server{User: "u", Password: "p"}
	require.NoError(t, s.Start())
	defer s.Close()
	c, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = c.Write([]byte{5, 1, 0}) // offers "no authentication" only
	require.NoError(t, err)
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, []byte{5, 0xff}, got)
	require.Empty(t, s.Requests())
}
