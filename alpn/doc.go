// Package alpn is a placeholder.
package alpn
