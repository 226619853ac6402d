package h1

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func gzipped(t *testing.T, s string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := io.WriteString(zw, s)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.String()
}

func gzipResponse(body string) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

func TestTransparentGzip(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	done := serve(t, pc.srv, answer(gzipResponse(gzipped(t, "decompressed"))))
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	require.True(t, resp.Uncompressed)
	require.EqualValues(t, -1, resp.ContentLength)
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Empty(t, resp.Header.Get("Content-Length"))
	require.Equal(t, "decompressed", readAll(t, resp))
	require.NoError(t, <-done)
	require.NoError(t, pc.Err())
	require.Equal(t, 1, pc.Available())
}

func TestGzipLeftAloneWhenCallerAskedForIt(t *testing.T) {
	pc := newPipeConn(t, nil, ConnOptions{})
	z := gzipped(t, "raw")
	done := serve(t, pc.srv, answer(gzipResponse(z)))
	req := newReq(t, "GET", "http://h/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(req)
	require.NoError(t, err)
	require.False(t, resp.Uncompressed)
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.Equal(t, z, readAll(t, resp))
	require.NoError(t, <-done)
}

func TestCorruptGzipIsAnError(t *testing.T) {
	z := []byte(gzipped(t, "some text that will not survive"))
	z[len(z)/2] ^= 0xff
	pc := newPipeConn(t, nil, ConnOptions{})
	serve(t, pc.srv, answer(gzipResponse(string(z))))
	mustReserve(t, pc.Conn)
	resp, err := pc.RoundTrip(newReq(t, "GET", "http://h/", nil))
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	require.ErrorContains(t, err, "h1: decompressing gzip response body")
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 0, pc.InFlight())
}
