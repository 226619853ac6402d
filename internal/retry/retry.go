// Package retry holds the markers a connection puts on an error to say how far
// a failed request got, and the one place that reads them.
//
// Protocol packages mark errors; the root package decides whether to retry.
package retry

import "errors"

// Progress says how far a failed request provably got.
type Progress int

const (
	// MaybeProcessed: the request may have reached the server's application.
	MaybeProcessed Progress = iota
	// NoResponse: the request may have been written, but not one byte of a
	// response came back. Replaying is safe only for idempotent requests on a
	// reused connection (the server most likely closed it while idle).
	NoResponse
	// Unprocessed: the server provably did not process the request: nothing
	// was written, or the peer said so (GOAWAY above the stream id,
	// REFUSED_STREAM).
	Unprocessed
	// Invalid: the request was refused before anything was sent because it
	// can never be sent as it is (bad header bytes, too large for the
	// peer's limits), or the server cannot take it in the protocol it was
	// sent in (prior-knowledge HTTP/2 to an HTTP/1.1 server, which never
	// saw it as a request). Retrying cannot help.
	Invalid
)

type marked struct {
	err      error
	p        Progress
	shutdown bool // the peer had announced a graceful shutdown
	refused  bool // the peer turned the request away
	stale    bool // the pooled connection was found closed before use
}

func (m *marked) Error() string { return m.err.Error() }
func (m *marked) Unwrap() error { return m.err }

// Timeout keeps a marked timeout one for callers, such as url.Error, that
// ask the error itself rather than through errors.As.
func (m *marked) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(m.err, &t) && t.Timeout()
}

// Mark records how far the request behind err got. The message is unchanged.
func Mark(err error, p Progress) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, p: p}
}

// MarkShutdown marks err NoResponse, for a request that got no response
// because its connection was shutting down gracefully, as the peer had
// announced (HTTP/2 GOAWAY with NO_ERROR): the silence came from the
// shutdown, not from the request, so it may be replayed like a request
// that met a connection closed while idle, even on a fresh connection.
func MarkShutdown(err error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, p: NoResponse, shutdown: true}
}

// MarkRefused marks err Unprocessed, for a request the peer turned away
// unprocessed (HTTP/2 REFUSED_STREAM, or GOAWAY with an error code): a sign
// of load, so a resend should wait a little even the first time.
func MarkRefused(err error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, p: Unprocessed, refused: true}
}

// MarkStale marks err Unprocessed, for a request that found the pooled
// connection it was given already closed by the peer, before anything was
// written. Each such connection leaves the pool as it is found, so moving
// on to the next costs the request neither a try nor a wait: after a
// server restart every idle connection may be dead, and net/http, which
// drops them as they die, would not have offered them at all.
func MarkStale(err error) error {
	if err == nil {
		return nil
	}
	return &marked{err: err, p: Unprocessed, stale: true}
}

// Stale reports whether err was marked by MarkStale.
func Stale(err error) bool {
	var m *marked
	return errors.As(err, &m) && m.stale
}

// Refused reports whether err was marked by MarkRefused.
func Refused(err error) bool {
	var m *marked
	return errors.As(err, &m) && m.refused
}

// AtShutdown reports whether err was marked by MarkShutdown.
func AtShutdown(err error) bool {
	var m *marked
	return errors.As(err, &m) && m.shutdown
}

// ProgressOf reports the mark on err; an unmarked error counts as
// MaybeProcessed, the safe assumption.
func ProgressOf(err error) Progress {
	var m *marked
	if errors.As(err, &m) {
		return m.p
	}
	return MaybeProcessed
}
