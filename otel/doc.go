// Package plexotel turns a plex Client's events and OriginStats into
// OpenTelemetry metrics: the HTTP client semantic conventions plus a few
// plex-specific ones.
package plexotel
