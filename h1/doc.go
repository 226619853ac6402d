// Package h1 speaks HTTP/1.1 over one persistent connection.
//
// A Conn wraps a net.Conn that someone else dialed (TCP or TLS) and carries
// one request at a time: it writes the request (streaming its body while the
// response may already be arriving), parses the response with a strict parser
// of its own, and hands the connection back for reuse only once the response
// body reached EOF. The pool drives a Conn through its slot methods (Reserve,
// Release, Available, InFlight, Err, IdleSince) and learns about changes from
// the onChange hook given to NewConn.
//
// Errors also record how far a failed request got (nothing written, written
// without a response byte, or possibly processed), which the plex Client
// reads to decide whether replaying it is safe; their messages say so too.
package h1
