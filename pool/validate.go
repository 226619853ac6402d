package pool

import (
	"errors"
	"fmt"
)

// Validate reports every invalid field at once (nil if there is none):
// negative limits and durations, whose zero values already mean "no limit"
// or the default.
func (c *Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		n    int
	}{
		{"MaxConnsPerHost", c.MaxConnsPerHost},
		{"MaxIdleConns", c.MaxIdleConns},
		{"MaxIdleConnsPerHost", c.MaxIdleConnsPerHost},
		{"MaxConnRequests", c.MaxConnRequests},
		{"MinConnsPerHost", c.MinConnsPerHost},
	} {
		if f.n < 0 {
			errs = append(errs, fmt.Errorf("pool: %s %d is negative", f.name, f.n))
		}
	}
	if c.IdleConnTimeout < 0 {
		errs = append(errs, fmt.Errorf("pool: IdleConnTimeout %v is negative", c.IdleConnTimeout))
	}
	if c.MaxConnAge < 0 {
		errs = append(errs, fmt.Errorf("pool: MaxConnAge %v is negative", c.MaxConnAge))
	}
	return errors.Join(errs...)
}
