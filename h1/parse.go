package h1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"unsafe"

	"github.com/plexhttp/plex/internal/header"
)

// headParser reads one header block (a status line and fields, or trailer
// fields) from a bufio.Reader. Its buffers are reused from message to
// message, so a Conn keeps one.
//
// Nothing is kept per field line beyond its bytes: building the header
// walks the lines again. A hostile header of many tiny lines then costs a
// few times its size, not a fixed record per line on top.
type headParser struct {
	buf     []byte // raw lines of the block being parsed, CRLF included
	start   int    // where the field lines begin in buf
	nfields int    // field lines in buf
	strBuf  []byte // values and uncommon names, turned into a single string
}

var (
	errHeaderTooLarge = perr("h1: response header exceeds the size limit")
	errBareLF         = perr("h1: header line ends in a bare LF, not CRLF")
)

// readLine appends the next CRLF-terminated line to p.buf, charging its
// length to budget, and returns its bounds without the CRLF.
func (p *headParser) readLine(br *bufio.Reader, budget *int64) (start, end int, err error) {
	start = len(p.buf)
	for {
		frag, err := br.ReadSlice('\n')
		if int64(len(frag)) > *budget {
			return 0, 0, errHeaderTooLarge
		}
		*budget -= int64(len(frag))
		p.buf = appendDoubling(p.buf, frag)
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(p.buf) == start {
			return 0, 0, err
		}
		return 0, 0, readErr("reading response header", err)
	}
	end = len(p.buf) - 1
	if end == start || p.buf[end-1] != '\r' {
		return 0, 0, errBareLF
	}
	return start, end - 1, nil
}

// appendDoubling is append with a buffer that at least doubles when it
// grows: append grows large slices by a quarter, so a buffer built up to n
// bytes would allocate five times n along the way; doubling keeps that
// under two.
func appendDoubling(b, more []byte) []byte {
	if need := len(b) + len(more); need > cap(b) {
		nb := make([]byte, len(b), max(2*cap(b), need, 512))
		copy(nb, b)
		b = nb
	}
	return append(b, more...)
}

// statusLine is what a status line says.
type statusLine struct {
	minor  int // HTTP/1.minor
	code   int
	status string // "200 OK"
}

// parseStatusLine reads "HTTP/1.x SP 3DIGIT [SP reason]" per RFC 9112
// section 4; the reason may be empty but must hold no control bytes.
func (p *headParser) parseStatusLine(br *bufio.Reader, budget *int64) (statusLine, error) {
	p.release()
	p.buf = p.buf[:0]
	start, end, err := p.readLine(br, budget)
	if err != nil {
		return statusLine{}, err
	}
	line := p.buf[start:end]
	bad := func() (statusLine, error) {
		return statusLine{}, perr("h1: malformed status line %q", clip(line))
	}
	if len(line) < len("HTTP/1.1 200") || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return bad()
	}
	var sl statusLine
	switch line[7] {
	case '0':
		sl.minor = 0
	case '1':
		sl.minor = 1
	default:
		return statusLine{}, perr("h1: unsupported protocol version %q", clip(line[:8]))
	}
	d := line[9:12]
	if d[0] < '1' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9' {
		return statusLine{}, perr("h1: malformed status code %q", clip(line))
	}
	sl.code = int(d[0]-'0')*100 + int(d[1]-'0')*10 + int(d[2]-'0')
	if len(line) > 12 {
		if line[12] != ' ' {
			return bad()
		}
		for _, c := range line[13:] {
			if !validValueByte(c) {
				return bad()
			}
		}
	}
	sl.status = statusString(sl.code, line[9:])
	return sl, nil
}

// readFields reads field lines up to the empty line that ends the block,
// validating each per RFC 9112 section 5: a token name directly followed by
// a colon, and a value without control bytes. Obsolete line folding is
// rejected, as section 5.2 allows.
func (p *headParser) readFields(br *bufio.Reader, budget *int64) error {
	p.start, p.nfields = len(p.buf), 0
	for {
		start, end, err := p.readLine(br, budget)
		if err != nil {
			return err
		}
		if start == end {
			return nil
		}
		line := p.buf[start:end]
		if line[0] == ' ' || line[0] == '\t' {
			return perr("h1: obsolete line folding in header %q", clip(line))
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return perr("h1: header line without colon %q", clip(line))
		}
		if !isToken(line[:colon]) {
			return perr("h1: invalid header name %q", clip(line[:colon]))
		}
		for _, c := range line[colon+1:] {
			if !validValueByte(c) {
				return perr("h1: invalid byte %#x in value of header %q", c, clip(line[:colon]))
			}
		}
		p.nfields++
	}
}

// splitField returns the name and trimmed value of the field line that
// starts at buf[pos], and where the next line starts; a nil name at the
// empty line that ends the block. The line was validated by readFields.
func splitField(buf []byte, pos int) (name, val []byte, next int) {
	nl := bytes.IndexByte(buf[pos:], '\n')
	line := buf[pos : pos+nl-1]
	if len(line) == 0 {
		return nil, nil, pos
	}
	colon := bytes.IndexByte(line, ':')
	vs, ve := colon+1, len(line)
	for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
		vs++
	}
	for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
		ve--
	}
	return line[:colon], line[vs:ve], pos + nl + 1
}

// fieldWalk goes over the field lines in buf once more, giving each
// field's key and value as strings cut from s, where header stored them.
type fieldWalk struct {
	buf []byte
	s   string
	pos int // next line in buf
	off int // next unused byte of s
}

func (w *fieldWalk) next() (key, val string, ok bool) {
	name, v, next := splitField(w.buf, w.pos)
	if name == nil {
		return "", "", false
	}
	w.pos = next
	if key = header.Interned(name); key == "" {
		key = w.s[w.off : w.off+len(name)]
		w.off += len(name)
	}
	val = w.s[w.off : w.off+len(v)]
	w.off += len(v)
	return key, val, true
}

// header builds an http.Header from the fields read last, with one string
// holding every value (and every uncommon name) and one []string backing
// all the values: spare when it is long enough, else a new one. The
// string's bytes live in arena when they fit, else in a new allocation.
func (p *headParser) header(spare []string, arena []byte) http.Header {
	n := p.nfields
	if n == 0 {
		return make(http.Header)
	}
	if room := len(p.buf) - p.start; cap(p.strBuf) < room {
		// A large block: size the buffer exactly rather than let append
		// allocate several times over.
		need := 0
		for pos := p.start; ; {
			name, val, next := splitField(p.buf, pos)
			if name == nil {
				break
			}
			pos = next
			need += len(name) + len(val)
		}
		if cap(p.strBuf) < need {
			p.strBuf = make([]byte, 0, need)
		}
	}
	p.strBuf = p.strBuf[:0]
	for pos := p.start; ; {
		name, val, next := splitField(p.buf, pos)
		if name == nil {
			break
		}
		pos = next
		canonicalizeInPlace(name)
		if header.Interned(name) == "" {
			p.strBuf = append(p.strBuf, name...)
		}
		p.strBuf = append(p.strBuf, val...)
	}
	var s string
	if m := len(p.strBuf); m > 0 && m <= len(arena) {
		// arena is written here once and never again, so the string
		// built on it is as immutable as any other.
		copy(arena, p.strBuf)
		s = unsafe.String(&arena[0], m)
	} else {
		s = string(p.strBuf)
	}
	vals := spare[:0:len(spare)]
	if n > len(spare) {
		vals = make([]string, n)
	} else {
		vals = vals[:n]
	}
	// The map grows as distinct names come; a hint of one entry per line
	// would let a thousand lines of one name allocate a thousand entries.
	h := make(http.Header, min(n, 32))
	dup := false
	w := fieldWalk{buf: p.buf, s: s, pos: p.start}
	for i := 0; ; i++ {
		key, val, ok := w.next()
		if !ok {
			break
		}
		vals[i] = val
		h[key] = vals[i : i+1 : i+1]
		// A name seen before replaced its entry rather than adding one:
		// one map operation per line instead of a lookup and a store.
		// group starts over from an empty map, so the lost value is no
		// loss.
		if len(h) != i+1 {
			dup = true
			break
		}
	}
	if dup {
		p.group(h, vals, s)
	}
	return h
}

// group fills h when some name repeats: it counts each name's lines, gives
// each name a run of vals that long, and fills the runs in order, so the
// values of a name repeated many times cost no appends.
func (p *headParser) group(h http.Header, vals []string, s string) {
	clear(h)
	w := fieldWalk{buf: p.buf, s: s, pos: p.start}
	for {
		key, _, ok := w.next()
		if !ok {
			break
		}
		h[key] = vals[:len(h[key])+1] // only the length counts, for now
	}
	off := 0
	for k, v := range h {
		h[k] = vals[off : off : off+len(v)]
		off += len(v)
	}
	w = fieldWalk{buf: p.buf, s: s, pos: p.start}
	for {
		key, val, ok := w.next()
		if !ok {
			break
		}
		h[key] = append(h[key], val)
	}
}

// keepMax is the largest buffer a parser keeps between messages: one huge
// header should not pin its memory for the connection's lifetime.
const keepMax = 64 << 10

func (p *headParser) release() {
	if cap(p.buf) > keepMax {
		p.buf = nil
	}
	if cap(p.strBuf) > keepMax {
		p.strBuf = nil
	}
}

// clip bounds how much of a hostile line goes into an error message.
func clip(b []byte) []byte {
	const max = 80
	if len(b) > max {
		return b[:max]
	}
	return b
}
