// Package contract holds the behaviour contract both connection kinds keep:
// one table of behaviours, each driven through the pool's connection seam
// (Reserve, RoundTrip, Close) against an HTTP/1.1 connection and an HTTP/2
// connection, served by the same handler, so that a divergence between the
// protocols fails a test. It has no code of its own; see its tests.
package contract
