package h1

import (
	"io"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
)

// A request body still being sent when the 101 arrives goes out whole
// before anything written through the response body: the server reads the
// request body, then the new protocol's bytes, never a mix.
func TestUpgradeWritesFollowRequestBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		got := make(chan string, 2)
		done := serve(t, pc.srv, func(p *peer) error {
			req, err := http.ReadRequest(p.br)
			if err != nil {
				return err
			}
			if err := p.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"); err != nil {
				return err
			}
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return err
			}
			got <- string(body)
			after := make([]byte, len("after"))
			if _, err := io.ReadFull(p.br, after); err != nil {
				return err
			}
			got <- string(after)
			return nil
		})
		bodyR, bodyW := io.Pipe()
		req := newReq(t, "POST", "http://h/", bodyR)
		req.ContentLength = int64(len("0123456789"))
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		rw := resp.Body.(io.ReadWriter)

		wrote := make(chan error, 1)
		go func() {
			_, err := rw.Write([]byte("after"))
			wrote <- err
		}()
		synctest.Wait()
		select {
		case err := <-wrote:
			t.Fatalf("write through the body went out before the request body ended (err %v)", err)
		default:
		}
		_, err = io.WriteString(bodyW, "0123456789")
		require.NoError(t, err)
		require.NoError(t, bodyW.Close())
		require.NoError(t, <-wrote)
		require.NoError(t, <-done)
		require.Equal(t, "0123456789", <-got)
		require.Equal(t, "after", <-got)
		require.NoError(t, resp.Body.Close())
	})
}

// A Write waiting for a request body that never ends is released by Close.
func TestUpgradeWriteWaitingForBodyEndsOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pc := newPipeConn(t, nil, ConnOptions{})
		done := serve(t, pc.srv, func(p *peer) error {
			if _, err := http.ReadRequest(p.br); err != nil {
				return err
			}
			return p.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		})
		bodyR, bodyW := io.Pipe()
		defer bodyW.Close()
		req := newReq(t, "POST", "http://h/", bodyR)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		mustReserve(t, pc.Conn)
		resp, err := pc.RoundTrip(req)
		require.NoError(t, err)
		require.NoError(t, <-done)
		wrote := make(chan error, 1)
		go func() {
			_, err := resp.Body.(io.Writer).Write([]byte("x"))
			wrote <- err
		}()
		synctest.Wait()
		require.NoError(t, resp.Body.Close())
		require.Error(t, <-wrote)
	})
}
