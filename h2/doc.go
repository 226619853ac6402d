// Package h2 is plex's HTTP/2 client connection (RFC 9113).
//
// A ClientConn wraps one net.Conn that already speaks HTTP/2 (TLS with ALPN
// "h2" negotiated, or cleartext with prior knowledge) and carries many
// requests on it at once, each on its own stream. It has the method set the
// pool expects of a connection (RoundTrip, Reserve, Release, Available,
// InFlight, Multiplexed, Err, IdleSince, Close) and can also be used on its
// own:
//
//	cc, err := h2.NewClientConn(nc, &h2.Config{}, nil, nil)
//	if err != nil { ... }
//	defer cc.Close()
//	resp, err := cc.RoundTrip(req)
//
// Frames are read and written with golang.org/x/net/http2's Framer. Request
// header blocks are encoded with x/net's hpack encoder; response header
// blocks are decoded by this package's own HPACK and Huffman decoders
// (hpackdec.go, huffman.go), held to x/net's decoder by differential fuzz
// targets. No x/net type appears in this package's API. Protocol failures come back as StreamError, ConnectionError
// or GoAwayError carrying the RFC 9113 error code, and every frame read or
// written can be observed through Config.FrameTrace.
//
// Flow control, stream limits, GOAWAY, PING health checks and cancellation
// follow RFC 9113; the comments at each enforcement point quote the rule.
//
// Receive windows adapt to the path unless Config fixes them: while a large
// body arrives, the connection estimates its bandwidth-delay product from
// PING round trips and grows the connection window, and the windows of the
// streams the application reads, up to Config.MaxStreamWindowSize (bdp.go
// gives the rules, the caps and what they bound).
package h2
