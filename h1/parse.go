package h1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"unsafe"
)

// headParser reads one header block (a status line and fields, or trailer
// fields) from a bufio.Reader. Its buffers are reused from message to
// message, so a Conn keeps one.
type headParser struct {
	buf    []byte  // raw lines of the block being parsed, CRLF included
	fields []field // the field lines found in buf
	strBuf []byte  // values and uncommon names, turned into a single string
	vals   []string
}

// field locates one header field line: name and value bounds within buf,
// then the key and value placement in the shared string.
type field struct {
	nameStart, nameEnd int
	valStart, valEnd   int
	key                string // interned canonical name, or "" if stored in strBuf
	keyOff, valOff     int    // offsets into strBuf
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
		p.buf = append(p.buf, frag...)
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
	p.fields = p.fields[:0]
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
		vs, ve := colon+1, len(line)
		for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
			vs++
		}
		for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
			ve--
		}
		for _, c := range line[vs:ve] {
			if !validValueByte(c) {
				return perr("h1: invalid byte %#x in value of header %q", c, clip(line[:colon]))
			}
		}
		p.fields = append(p.fields, field{
			nameStart: start, nameEnd: start + colon,
			valStart: start + vs, valEnd: start + ve,
		})
	}
}

// header builds an http.Header from the fields read last, with one string
// holding every value (and every uncommon name) and one []string backing
// the single-valued entries: spare when it is long enough, else a new one.
// The string's bytes live in arena when they fit, else in a new allocation.
func (p *headParser) header(spare []string, arena []byte) http.Header {
	if len(p.fields) == 0 {
		return make(http.Header)
	}
	p.strBuf = p.strBuf[:0]
	for i := range p.fields {
		f := &p.fields[i]
		name := p.buf[f.nameStart:f.nameEnd]
		canonicalizeInPlace(name)
		f.key = commonKeys.lookup(name)
		if f.key == "" {
			f.keyOff = len(p.strBuf)
			p.strBuf = append(p.strBuf, name...)
		}
		f.valOff = len(p.strBuf)
		p.strBuf = append(p.strBuf, p.buf[f.valStart:f.valEnd]...)
	}
	var s string
	if n := len(p.strBuf); n > 0 && n <= len(arena) {
		// arena is written here once and never again, so the string
		// built on it is as immutable as any other.
		copy(arena, p.strBuf)
		s = unsafe.String(&arena[0], n)
	} else {
		s = string(p.strBuf)
	}
	vals := spare[:0:len(spare)]
	if len(p.fields) > len(spare) {
		vals = make([]string, len(p.fields))
	} else {
		vals = vals[:len(p.fields)]
	}
	h := make(http.Header, len(p.fields))
	for i := range p.fields {
		f := &p.fields[i]
		key := f.key
		if key == "" {
			key = s[f.keyOff : f.keyOff+f.nameEnd-f.nameStart]
		}
		vals[i] = s[f.valOff : f.valOff+f.valEnd-f.valStart]
		if prev, ok := h[key]; ok {
			h[key] = append(prev, vals[i])
		} else {
			h[key] = vals[i : i+1 : i+1]
		}
	}
	return h
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
