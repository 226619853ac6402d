package alpn

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPrefixConnReadsPrefixFirst(t *testing.T) {
	client, peer := net.Pipe()
	defer peer.Close()
	prefix := []byte("abcdef")
	c := newPrefixConn(client, prefix)
	defer c.Close()
	prefix[0] = 'X' // the conn keeps its own copy

	buf := make([]byte, 4)
	n, err := c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "abcd", string(buf[:n]))
	n, err = c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "ef", string(buf[:n]), "a read never mixes prefix and wire bytes")

	go io.WriteString(peer, "wire")
	n, err = c.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "wire", string(buf[:n]))
	require.Same(t, client, c.NetConn())
}

func TestPrefixConnWritesGoToConn(t *testing.T) {
	client, peer := net.Pipe()
	defer peer.Close()
	c := newPrefixConn(client, []byte("x"))
	defer c.Close()
	go io.WriteString(c, "out")
	buf := make([]byte, 3)
	_, err := io.ReadFull(peer, buf)
	require.NoError(t, err)
	require.Equal(t, "out", string(buf))
}
