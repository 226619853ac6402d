// Package setting holds what HTTP/1.1 and HTTP/2 connections share in their
// configuration: the defaults of the settings both have, and the rules for
// their values, so that each is written once and both protocols agree.
package setting

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of the settings both protocols have.
const (
	// UserAgent is sent when a request has no User-Agent header.
	UserAgent = "plex/1"
	// WriteByteTimeout bounds a write to a connection that makes no
	// progress: a peer that stopped reading.
	WriteByteTimeout = 30 * time.Second
	// MaxHeaderBytes bounds one response's header (HTTP/1.1 header bytes,
	// HTTP/2 header list size), trailers included.
	MaxHeaderBytes = 1 << 20
	// Max1xx is how many informational (1xx) responses may precede the
	// final one; net/http allows as many on HTTP/1.1.
	Max1xx = 5
	// MaxTrailerBytes bounds a response's trailer section, counted as
	// HTTP/1.1 sends it (each field's name, ": ", value and CRLF), within
	// what the header limit leaves. net/http's HTTP/1.1 client accepts a
	// trailer only if it fits its 4 KiB read buffer; trailers carry
	// checksums and status fields, and twice that is plenty.
	MaxTrailerBytes = 8 << 10
)

// Errors gathers invalid values, so a Config's Validate reports all of them
// at once. Messages name the Config field, which is what a user of that
// package sets; the protocol prefix comes from the package.
type Errors struct {
	prefix string
	errs   []error
}

// NewErrors starts a list of errors whose messages begin with prefix
// ("h1", "h2").
func NewErrors(prefix string) *Errors { return &Errors{prefix: prefix} }

// Addf records one invalid value.
func (e *Errors) Addf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf(e.prefix+": "+format, args...))
}

// NonNegative records d as invalid when it is negative.
func (e *Errors) NonNegative(field string, d time.Duration) {
	if d < 0 {
		e.Addf("%s %v is negative", field, d)
	}
}

// Err is every recorded error joined, or nil.
func (e *Errors) Err() error { return errors.Join(e.errs...) }

// WriteTimeout turns a configured WriteByteTimeout into the bound to apply:
// 0 means the default, a negative value means no bound (returned as 0).
func WriteTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return WriteByteTimeout
	case d < 0:
		return 0
	}
	return d
}
