package plex

// WithConnectionCoalescing lets requests to one https origin go on an open
// HTTP/2 connection of another (RFC 9113 §9.1.1), as browsers and OkHttp
// do, so that names served by one server (a.example.com and
// b.example.com behind one load balancer, or localhost and 127.0.0.1)
// share a connection instead of costing one dial each. Off by default.
//
// A request for origin B takes a connection opened for origin A only when
// all of these hold:
//   - B has no connection and no dial of its own (once it has, it uses them);
//   - both are https, reached directly (no proxy), with the same port, and
//     the connection speaks HTTP/2 and has a free stream slot;
//   - the connection's certificate chain was verified and its leaf covers
//     B's host (x509.Certificate.VerifyHostname): a connection made with
//     InsecureSkipVerify is never shared;
//   - B's host resolves to the IP address the connection is connected to.
//     The name is looked up (see WithLookupNetIP) only when a connection
//     passes the other tests. Once a connection is approved for B, later
//     requests for B take it without a lookup while it lives.
//
// A server that does not serve B on that connection answers 421
// (Misdirected Request), meaning it did not process the request (RFC 9110
// §15.5.20). The Client then sends the request again, once, on a
// connection of B's own, dialed for it, if its body can be replayed
// (GetBody) — whatever its method and whatever WithMaxRetries says, since
// the choice of connection was the Client's — and lends that connection
// to no other origin from then on. A 421 for a request whose body cannot
// be replayed is returned as it is.
//
// Event listeners see ConnAcquired with Coalesced set, and the resend as
// RetryDecided with a Reason starting "misdirected" (RetryTrace:
// RetryMisdirected).
func WithConnectionCoalescing(on bool) Option {
	return func(c *config) { c.coalescing = on }
}
