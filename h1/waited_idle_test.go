package h1

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
	"github.com/plexhttp/plex/internal/testcert"
)

// A connection that never carried a request but waited idle in the pool
// (a dial that lost the race to a freed connection) may have been closed
// by the server meanwhile, by a header timeout or a graceful shutdown: it
// is checked before writing, as a reused one is, and the failure is marked
// stale, so the request goes to the next connection at no cost.
func TestUnusedConnThatWaitedIdleIsCheckedBeforeWriting(t *testing.T) {
	for name, tlsOn := range map[string]bool{"tcp": false, "tls": true} {
		t.Run(name, func(t *testing.T) {
			var srvCfg, cliCfg *tls.Config
			if tlsOn {
				certs, err := testcert.Default()
				require.NoError(t, err)
				srvCfg, cliCfg = certs.ServerTLS(), certs.ClientTLS()
				cliCfg.ServerName = "localhost"
			}
			closed := make(chan struct{})
			got := make(chan int, 1)
			addr, _ := tcpServer(t, srvCfg, func(nc net.Conn, br *bufio.Reader) {
				if tc, ok := nc.(*tls.Conn); ok {
					tc.Handshake()
				}
				nc.(interface{ CloseWrite() error }).CloseWrite()
				close(closed)
				n, _ := io.Copy(io.Discard, br)
				got <- int(n)
			})
			c := dialConn(t, addr, cliCfg)
			<-closed

			c.WaitedIdle()
			mustReserve(t, c)
			_, err := c.RoundTrip(newReq(t, "GET", "http://"+addr+"/", nil))
			require.ErrorContains(t, err, "h1: server closed idle connection")
			require.Equal(t, retry.Unprocessed, retry.ProgressOf(err))
			require.True(t, retry.Stale(err))
			select {
			case n := <-got:
				require.Zero(t, n, "nothing was written")
			case <-time.After(10 * time.Second):
				t.Fatal("the client did not close the connection")
			}
		})
	}
}
