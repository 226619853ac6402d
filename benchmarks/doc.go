// Package benchmarks compares plex with the clients its users would
// otherwise pick.
//
// The suite proper runs out of process, so that each client's cost is
// measured alone: benchmarks/run builds the driver in ./client, starts nginx
// and the Go server in ./server on one core, runs every client on the other
// in interleaved rounds with ./runner, and writes README.md. For the
// long-path cells the runner puts internal/netshape, a proxy emulating a
// 50 ms, 1 Gbit/s path, between the clients and each server:
//
//	benchmarks/run            # full matrix, about 15 minutes
//	benchmarks/run --quick    # the cells the targets are judged on
//
// The Go benchmarks in this package are a quicker, in-process check (client
// and server share the process, so cpu-ns/op and allocs/op include the
// server's):
//
//	cd benchmarks && go test . -run '^$' -bench . -benchmem
package benchmarks
