// Package alpn opens the connections plex carries requests on and says which
// protocol each one speaks: HTTP/1.1 or HTTP/2 chosen by ALPN during the TLS
// handshake for https origins, HTTP/1.1 or HTTP/2 with prior knowledge (h2c)
// for http origins, directly or through an HTTP, HTTPS or SOCKS5 proxy.
//
// A Dialer is the whole configuration; Dial takes a Target (scheme, address,
// optional proxy) and returns a Conn ready to speak Conn.Protocol. The caller
// maps that protocol to an HTTP/1.1 or HTTP/2 connection; nothing here knows
// about requests.
//
// Proxies are never looked up from the environment by this package: a Target
// names its proxy explicitly. The plex Client reads HTTP_PROXY, HTTPS_PROXY
// and NO_PROXY when it is built (see plex.WithProxy) and puts the answer for
// each request in Target.Proxy.
//
// Through an HTTP or HTTPS proxy, https origins (and h2c origins) are
// reached through a CONNECT tunnel, whose request carries
// Dialer.ProxyConnectHeader or Dialer.GetProxyConnectHeader's answer; a
// refusal is a *ProxyConnectError with the proxy's header, so a challenge
// (407 and Proxy-Authenticate) can be answered. Plain HTTP/1.1 origins are
// forwarded. Through a SOCKS5 proxy every origin is tunnelled.
//
// Errors name the step and the address that failed ("alpn: tls handshake with
// example.com:443: ..."), wrap their cause (x509 verification errors stay
// reachable with errors.As), report timeouts through net.Error's Timeout, and
// satisfy errors.Is(err, ctx.Err()) when the context ended the dial. A server
// that selects no usable protocol yields an *ALPNError.
package alpn
