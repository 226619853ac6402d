// Package netclose closes a connection without waiting on a peer that
// stopped reading, for both protocols.
package netclose

import (
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// Grace is how long closing a TLS connection may spend sending
// close_notify before the socket beneath is closed.
const Grace = 250 * time.Millisecond

// Close closes nc. Closing a TLS connection first writes close_notify,
// which crypto/tls lets block for 5s when the peer stopped reading and the
// send buffer is full (the very case of a stalled write), and meanwhile
// nothing wakes a reader of the connection: so the socket beneath
// (NetConn) is closed once Grace has passed. x/net's HTTP/2 transport
// bounds its close the same way.
func Close(nc net.Conn) error {
	u, ok := nc.(interface{ NetConn() net.Conn })
	if !ok {
		return nc.Close()
	}
	var forced atomic.Bool
	t := time.AfterFunc(Grace, func() {
		forced.Store(true)
		u.NetConn().Close()
	})
	err := nc.Close()
	t.Stop()
	if forced.Load() && errors.Is(err, net.ErrClosed) {
		err = nil // closed, as asked, without the close_notify
	}
	return err
}
