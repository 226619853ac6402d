// Package ecosystem runs plex under the libraries Go programs put on top of
// an http.RoundTripper: OpenTelemetry's otelhttp and otelhttptrace,
// httputil.ReverseProxy, WebSocket clients, connect-go and grpc-go,
// go-retryablehttp. Its tests and Example functions show that plex drops in
// where http.Transport was.
//
// It is a module of its own so that none of these libraries reaches the
// module graph of a program that imports plex.
package ecosystem
