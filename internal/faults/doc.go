// Package faults scripts misbehaving servers for tests: HTTP/2 peers that
// break RFC 9113 at the frame level (see H2Violations, driven through
// internal/h2peer), HTTP/1.1 servers that misbehave at the byte level, and
// transports that reset, half-close, stall or trickle at a chosen moment.
//
// Two transports are offered. Pipes hands out in-memory connections
// (internal/memconn) and is meant for testing/synctest bubbles, where time
// is fake and a stalled peer costs nothing. Server is a loopback TCP
// listener, for faults only a kernel produces: a TCP reset, or TLS.
//
// Nothing here calls t.Fatal from a goroutine other than the test's: the
// server side of a Pipes connection is handed to the test goroutine, and
// Server reports errors through its handler's return value.
package faults
