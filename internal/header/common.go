package header

// Common lists, in canonical form, header names common enough in requests
// and responses that the protocol packages intern them: HTTP/1.1 parses a
// response's names into these strings instead of allocating, and HTTP/2
// converts between these and their lower-case wire form without allocating.
var Common = []string{
	"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
	"Access-Control-Allow-Credentials", "Access-Control-Allow-Headers",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Origin",
	"Access-Control-Expose-Headers", "Access-Control-Max-Age", "Age", "Allow", "Alt-Svc",
	"Authorization", "Cache-Control", "Connection", "Content-Disposition",
	"Content-Encoding", "Content-Language", "Content-Length", "Content-Location",
	"Content-Range", "Content-Security-Policy", "Content-Type", "Cookie", "Date", "Etag",
	"Expect", "Expires", "From", "Grpc-Message", "Grpc-Status", "Host", "If-Match",
	"If-Modified-Since", "If-None-Match", "If-Range", "If-Unmodified-Since", "Keep-Alive",
	"Last-Modified", "Link", "Location", "Max-Forwards", "Origin", "Pragma",
	"Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Range", "Referer",
	"Referrer-Policy", "Refresh", "Retry-After", "Server", "Server-Timing", "Set-Cookie",
	"Strict-Transport-Security", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"User-Agent", "Vary", "Via", "Warning", "Www-Authenticate", "X-Cache",
	"X-Content-Type-Options", "X-Forwarded-For", "X-Forwarded-Proto", "X-Frame-Options",
	"X-Powered-By", "X-Request-Id", "X-Xss-Protection",
}
