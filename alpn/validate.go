package alpn

import (
	"errors"
	"fmt"
)

// Validate reports every invalid field at once (nil if there is none):
// negative timeouts (zero means the default) and ALPN identifiers this
// package cannot map to a protocol.
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
	return errors.Join(errs...)
}
