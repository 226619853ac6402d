package h2

// staticTable is RFC 7541 Appendix A; index i is staticTable[i-1].
var staticTable = [...][2]string{
	{":authority", ""},
	{":method", "GET"},
	{":method", "POST"},
	{":path", "/"},
	{":path", "/index.html"},
	{":scheme", "http"},
	{":scheme", "https"},
	{":status", "200"},
	{":status", "204"},
	{":status", "206"},
	{":status", "304"},
	{":status", "400"},
	{":status", "404"},
	{":status", "500"},
	{"accept-charset", ""},
	{"accept-encoding", "gzip, deflate"},
	{"accept-language", ""},
	{"accept-ranges", ""},
	{"accept", ""},
	{"access-control-allow-origin", ""},
	{"age", ""},
	{"allow", ""},
	{"authorization", ""},
	{"cache-control", ""},
	{"content-disposition", ""},
	{"content-encoding", ""},
	{"content-language", ""},
	{"content-length", ""},
	{"content-location", ""},
	{"content-range", ""},
	{"content-type", ""},
	{"cookie", ""},
	{"date", ""},
	{"etag", ""},
	{"expect", ""},
	{"expires", ""},
	{"from", ""},
	{"host", ""},
	{"if-match", ""},
	{"if-modified-since", ""},
	{"if-none-match", ""},
	{"if-range", ""},
	{"if-unmodified-since", ""},
	{"last-modified", ""},
	{"link", ""},
	{"location", ""},
	{"max-forwards", ""},
	{"proxy-authenticate", ""},
	{"proxy-authorization", ""},
	{"range", ""},
	{"referer", ""},
	{"refresh", ""},
	{"retry-after", ""},
	{"server", ""},
	{"set-cookie", ""},
	{"strict-transport-security", ""},
	{"transfer-encoding", ""},
	{"user-agent", ""},
	{"vary", ""},
	{"via", ""},
	{"www-authenticate", ""},
}

// entryOverhead is the per-entry size RFC 7541 §4.1 adds to name and value.
const entryOverhead = 32

// hpackTable is a decoder's dynamic table (RFC 7541 §2.3.2). Entries keep
// their name and value bytes back to back in data, oldest first; eviction
// only advances past them, and the live bytes move to the front once the
// slice has used twice the table's size, so adding an entry costs no
// allocation once the slices have grown. A decoder never searches its table,
// so there are no indexes to keep in step.
type hpackTable struct {
	data  []byte
	ents  []tableEntry // ents[first:] are live, oldest first
	first int
	size  uint32 // RFC 7541 §4.1 size of the live entries
	max   uint32
}

type tableEntry struct {
	off               int // of the name in data
	nameLen, valueLen int
}

func (e tableEntry) size() uint32 { return uint32(e.nameLen+e.valueLen) + entryOverhead }

// len is the number of live entries.
func (t *hpackTable) len() int { return len(t.ents) - t.first }

// at returns the name and value of dynamic index i (1 is the newest); the
// slices alias the table and are valid until the next add.
func (t *hpackTable) at(i int) (name, value []byte) {
	e := t.ents[len(t.ents)-i]
	return t.data[e.off : e.off+e.nameLen], t.data[e.off+e.nameLen : e.off+e.nameLen+e.valueLen]
}

// setMax changes the table's size limit, evicting entries as needed.
func (t *hpackTable) setMax(max uint32) {
	t.max = max
	t.evictTo(max)
}

func (t *hpackTable) evictTo(limit uint32) {
	for t.size > limit {
		t.size -= t.ents[t.first].size()
		t.ents[t.first] = tableEntry{}
		t.first++
	}
	if t.first == len(t.ents) {
		t.ents, t.first, t.data = t.ents[:0], 0, t.data[:0]
	}
}

// add inserts an entry. One larger than the whole table empties it and is
// not kept (RFC 7541 §4.4). name and value must not alias the table.
func (t *hpackTable) add(name, value []byte) { t.insert(-1, name, value) }

// addWithNameOf inserts an entry named as dynamic index i, without a copy
// of the name outside the table. value must not alias the table.
func (t *hpackTable) addWithNameOf(i int, value []byte) {
	e := t.ents[len(t.ents)-i]
	t.insert(e.off, t.data[e.off:e.off+e.nameLen], value)
}

// insert adds name and value; nameOff is where name sits in data, or -1
// when it is outside the table.
func (t *hpackTable) insert(nameOff int, name, value []byte) {
	sz := uint32(len(name)+len(value)) + entryOverhead
	if sz > t.max {
		t.evictTo(0)
		return
	}
	// Eviction leaves bytes in place (at worst it resets data's length,
	// and append's memmove tolerates the overlap); only compaction moves
	// them, so it keeps the name's bytes even when its entry is gone.
	t.evictTo(t.max - sz)
	if len(t.data)+len(name)+len(value) > 2*int(t.max) && t.first < len(t.ents) {
		start := t.ents[t.first].off
		if nameOff >= 0 && nameOff < start {
			start = nameOff
		}
		t.compact(start)
		if nameOff >= 0 {
			nameOff -= start
			name = t.data[nameOff : nameOff+len(name)]
		}
	}
	if 2*t.first > len(t.ents) {
		n := copy(t.ents, t.ents[t.first:])
		clear(t.ents[n:])
		t.ents, t.first = t.ents[:n], 0
	}
	off := len(t.data)
	t.data = append(append(t.data, name...), value...)
	t.ents = append(t.ents, tableEntry{off: off, nameLen: len(name), valueLen: len(value)})
	t.size += sz
}

// compact moves the bytes from start, at or before the first live entry,
// to the front of data.
func (t *hpackTable) compact(start int) {
	n := copy(t.data, t.data[start:])
	t.data = t.data[:n]
	for i := t.first; i < len(t.ents); i++ {
		t.ents[i].off -= start
	}
}
