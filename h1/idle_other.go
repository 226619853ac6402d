//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package h1

import "net"

// idleProbe is a no-op where non-blocking peeks are not available: dead
// idle connections are then found by the first write or read.
type idleProbe struct{ tls bool }

func (p *idleProbe) init(net.Conn) {}

func (p *idleProbe) probe() (idleState, error) { return idleUnknown, nil }
