package plex

import (
	"time"

	"github.com/plexhttp/plex/pool"
)

// rebalanceConfig holds the options that spread a fleet's load over its
// servers; it is part of config.
type rebalanceConfig struct {
	maxConnAge      time.Duration
	maxConnRequests int
}

// WithMaxConnAge retires every connection, HTTP/1.1 and HTTP/2 alike, once
// it is d old, less a random amount of up to a tenth of d (so connections
// dialed together do not all redial together): it takes no new requests,
// the next request dials a new connection, and it closes once the requests
// under way on it end, with close reason CloseMaxAge ("max_age"). Behind a
// TCP load balancer, this is what lets new backends get a share of a
// long-lived HTTP/2 connection's traffic. The age is checked when a
// request looks for a connection to the origin. Zero, the default, means no
// limit; a negative d is refused by New.
func WithMaxConnAge(d time.Duration) Option {
	return func(c *config) { c.maxConnAge = d }
}

// WithMaxConnRequests retires every connection once it was given n
// requests, less a random amount of up to a tenth of n: it takes no new
// requests and closes once those under way end, with close reason
// CloseMaxRequests ("max_requests"). Zero, the default, means no limit; a
// negative n is refused by New.
func WithMaxConnRequests(n int) Option {
	return func(c *config) { c.maxConnRequests = n }
}

// setPool copies the options into the pool's configuration, which also
// validates them.
func (r *rebalanceConfig) setPool(pc *pool.Config) {
	pc.MaxConnAge = r.maxConnAge
	pc.MaxConnRequests = r.maxConnRequests
}
