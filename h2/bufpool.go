package h2

import "sync"

// blockSize is the size of the buffers a busy connection borrows for its
// reads and writes: large enough that a burst of frames from many streams
// moves in one syscall, too large to keep per idle connection.
const blockSize = 32 << 10

type block [blockSize]byte

// blockPool is shared by the read and write sides of every connection, so
// the memory follows the load rather than the number of connections.
var blockPool = sync.Pool{New: func() any { return new(block) }}
