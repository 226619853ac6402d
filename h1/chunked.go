package h1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/plexhttp/plex/internal/setting"
)

// chunkedReader decodes the chunked transfer coding (RFC 9112 section 7.1)
// and reads the trailer section after the last chunk. Chunk extensions are
// ignored; a chunk-size line longer than the bufio.Reader's buffer is an
// error, which bounds the memory a hostile peer can make us hold.
type chunkedReader struct {
	br        *bufio.Reader
	p         *headParser
	budget    *int64      // header bytes left for the trailer section
	left      int64       // data bytes left in the current chunk
	afterData bool        // the CRLF closing a chunk's data is still unread
	trailer   http.Header // fields of the trailer section, once read
	overhead  int64       // framing bytes not yet paid for by chunk data
	err       error       // sticky; io.EOF after the trailer section
}

func (cr *chunkedReader) Read(b []byte) (n int, err error) {
	for cr.err == nil {
		if cr.left == 0 {
			// Having data already, return it rather than block for the
			// next chunk header.
			if n > 0 && cr.br.Buffered() == 0 {
				break
			}
			if cr.afterData {
				if cr.err = cr.readCRLF(); cr.err != nil {
					break
				}
				cr.afterData = false
				if n > 0 && cr.br.Buffered() == 0 {
					break
				}
			}
			cr.left, cr.err = cr.readSize()
			if cr.err != nil {
				break
			}
			if cr.left == 0 {
				cr.err = cr.readTrailer()
				if cr.err == nil {
					cr.err = io.EOF
				}
				break
			}
		}
		if len(b) == n {
			break
		}
		m := min(int64(len(b)-n), cr.left)
		k, rerr := cr.br.Read(b[n : n+int(m)])
		n += k
		cr.left -= int64(k)
		if cr.left == 0 {
			cr.afterData = true
		}
		if rerr != nil {
			cr.err = readErr("reading chunked body", rerr)
			break
		}
		if n == len(b) || cr.br.Buffered() == 0 {
			break
		}
	}
	if cr.err != nil && (n == 0 || cr.err == io.EOF) {
		err = cr.err
	}
	return n, err
}

func (cr *chunkedReader) readCRLF() error {
	c1, err := cr.br.ReadByte()
	if err != nil {
		return readErr("reading chunked body", err)
	}
	c2, err := cr.br.ReadByte()
	if err != nil {
		return readErr("reading chunked body", err)
	}
	if c1 != '\r' || c2 != '\n' {
		return perr("h1: malformed chunked encoding: chunk data not followed by CRLF")
	}
	return nil
}

// readSize parses "1*HEXDIG [ BWS ; chunk-ext ] CRLF", tolerating
// whitespace before the CRLF as net/http does.
func (cr *chunkedReader) readSize() (int64, error) {
	line, err := cr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return 0, perr("h1: malformed chunked encoding: chunk size line too long")
	}
	if err != nil {
		return 0, readErr("reading chunk size", err)
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return 0, perr("h1: malformed chunked encoding: bare LF in chunk size line %q", clip(line))
	}
	line = line[:len(line)-2]
	var size int64
	i := 0
	for ; i < len(line); i++ {
		d, ok := unhex(line[i])
		if !ok {
			break
		}
		if i == 15 {
			return 0, perr("h1: malformed chunked encoding: chunk size too large %q", clip(line))
		}
		size = size<<4 | int64(d)
	}
	if i == 0 {
		return 0, perr("h1: malformed chunked encoding: bad chunk size %q", clip(line))
	}
	// Whitespace may end the line but may not stand before an extension:
	// RFC 9112 allows it there, net/http does not, and two parsers that
	// disagree on framing are what request smuggling is made of.
	end := i
	for ; i < len(line) && (line[i] == ' ' || line[i] == '\t'); i++ {
	}
	if i < len(line) && (line[i] != ';' || i != end) {
		return 0, perr("h1: malformed chunked encoding: bad chunk size %q", clip(line))
	}
	for _, c := range line[i:] {
		if !validValueByte(c) {
			return 0, perr("h1: malformed chunked encoding: control byte in chunk extension %q", clip(line))
		}
	}
	// Tiny chunks with long extensions make us parse much and deliver
	// little. Each chunk may carry framing up to a small allowance plus
	// twice its data; beyond that, the debt accumulates and is capped.
	cr.overhead = max(cr.overhead+int64(len(line))+4-16-2*size, 0)
	if cr.overhead > maxChunkOverhead {
		return 0, perr("h1: malformed chunked encoding: too much framing for too little data")
	}
	return size, nil
}

// maxChunkOverhead bounds the unpaid framing bytes of a chunked body.
const maxChunkOverhead = 16 << 10

// maxTrailerBytes bounds the trailer section of a chunked response, by the
// rule both protocols share.
const maxTrailerBytes = setting.MaxTrailerBytes

func (cr *chunkedReader) readTrailer() error {
	cr.p.release()
	cr.p.buf = cr.p.buf[:0]
	budget := min(*cr.budget, maxTrailerBytes)
	left := budget
	err := cr.p.readFields(cr.br, &left)
	*cr.budget -= budget - left
	if err == errHeaderTooLarge && budget == maxTrailerBytes {
		return perr("h1: response trailer section exceeds %d bytes", maxTrailerBytes)
	}
	if err != nil {
		return readErr("reading trailer", err)
	}
	if cr.p.nfields > 0 {
		cr.trailer = cr.p.header(nil, nil)
	}
	return nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// readErr describes a read failure in the middle of a message; an EOF there
// becomes io.ErrUnexpectedEOF, so a truncated body never looks complete.
// Errors the parser produced itself pass unchanged.
func readErr(what string, err error) error {
	var pe *parseError
	if errors.As(err, &pe) || errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("h1: %s: %w", what, err)
}
