package alpn

import (
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/net/http/httpguts"
)

// Validate reports every invalid field at once (nil if there is none):
// negative timeouts (zero means the default), ALPN identifiers this
// package cannot map to a protocol, and ProxyConnectHeader fields that
// could not be written as they are.
func (d *Dialer) Validate() error {
	var errs []error
	if d.DialTimeout < 0 {
		errs = append(errs, fmt.Errorf("alpn: DialTimeout %v is negative", d.DialTimeout))
	}
	if d.TLSHandshakeTimeout < 0 {
		errs = append(errs, fmt.Errorf("alpn: TLSHandshakeTimeout %v is negative", d.TLSHandshakeTimeout))
	}
	if err := checkOffered(d.HTTPSProtocols); err != nil {
		errs = append(errs, err)
	}
	if err := checkConnectHeader(d.ProxyConnectHeader); err != nil {
		errs = append(errs, fmt.Errorf("alpn: ProxyConnectHeader: %w", err))
	}
	return errors.Join(errs...)
}

// checkConnectHeader refuses a field that would be rewritten or would break
// the CONNECT request: an invalid name, or a value with CR, LF or another
// control character, which could end the request early and smuggle another.
func checkConnectHeader(h http.Header) error {
	for name, values := range h {
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("invalid header field name %q", name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("invalid value for header field %q", name)
			}
		}
	}
	return nil
}
