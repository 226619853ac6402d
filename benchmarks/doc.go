// Package benchmarks compares plex with the clients its users would
// otherwise pick, on the same loopback servers in the same run.
//
//	go test ./benchmarks -run '^$' -bench . -benchmem
package benchmarks
