// Package alpn opens the connections plex carries requests on and says which
// protocol each one speaks: HTTP/1.1 or HTTP/2 chosen by ALPN during the TLS
// handshake for https origins, HTTP/1.1 or HTTP/2 with prior knowledge (h2c)
// for http origins, directly or through an HTTP or HTTPS proxy.
//
// A Dialer is the whole configuration; Dial takes a Target (scheme, address,
// optional proxy) and returns a Conn ready to speak Conn.Protocol. The caller
// maps that protocol to an HTTP/1.1 or HTTP/2 connection; nothing here knows
// about requests.
//
// Proxies are never looked up from the environment by this package: a Target
// names its proxy explicitly. To honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY,
// call http.ProxyFromEnvironment for the request and put its answer in
// Target.Proxy; the plex Client does exactly that when it is built with
// plex.WithProxy(http.ProxyFromEnvironment).
//
// Errors name the step and the address that failed ("alpn: tls handshake with
// example.com:443: ..."), wrap their cause (x509 verification errors stay
// reachable with errors.As), report timeouts through net.Error's Timeout, and
// satisfy errors.Is(err, ctx.Err()) when the context ended the dial. A server
// that selects no usable protocol yields an *ALPNError.
package alpn
