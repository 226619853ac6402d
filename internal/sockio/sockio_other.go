//go:build !linux

package sockio

import "net"

// Reader reads one socket; off Linux there is none (NewReader returns nil).
type Reader struct{ nc net.Conn }

// NewReader returns nil: off Linux sockets are read through net.Conn.
func NewReader(net.Conn) *Reader { return nil }

// Read reads from the conn.
func (r *Reader) Read(p []byte) (int, error) { return r.nc.Read(p) }

// Writer writes one socket; off Linux there is none (NewWriter returns nil).
type Writer struct{ nc net.Conn }

// NewWriter returns nil: off Linux sockets are written through net.Conn.
func NewWriter(net.Conn) *Writer { return nil }

// Write writes to the conn.
func (w *Writer) Write(p []byte) (int, error) { return w.nc.Write(p) }
