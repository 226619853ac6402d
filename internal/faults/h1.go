package faults

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Point is the moment of an HTTP/1.1 exchange at which a fault strikes.
type Point int

const (
	// BeforeRequest: the connection is broken before the request is read,
	// as when a server closes an idle keep-alive connection just as the
	// client reuses it.
	BeforeRequest Point = iota
	// AfterRequest: the request was read in full, nothing was answered.
	AfterRequest
	// InHeaders: part of the response header section was written.
	InHeaders
	// InBody: the header section and part of the body were written.
	InBody
)

var pointNames = [...]string{"before the request", "after the request", "during the response headers", "mid-body"}

func (p Point) String() string {
	if int(p) < len(pointNames) {
		return pointNames[p]
	}
	return fmt.Sprintf("Point(%d)", int(p))
}

// Action is what the server does at a Point.
type Action int

const (
	// Reset closes the connection with a TCP RST.
	Reset Action = iota
	// Close closes the connection with a FIN.
	Close
	// HalfCloseWrite sends a FIN but keeps reading until the client hangs up.
	HalfCloseWrite
	// Stall stops writing and keeps reading until the client hangs up.
	Stall
)

var actionNames = [...]string{"reset", "close", "half-close", "stall"}

func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// ReadRequest reads one request and its whole body from br. It returns the
// body bytes so tests can check what arrived.
func ReadRequest(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("faults: reading request body: %w", err)
	}
	return req, body, nil
}

// Prefix is the part of resp a server has written when a fault strikes at
// p: nothing before the response, half the header section during it, the
// header section and half the body mid-body.
func Prefix(resp []byte, p Point) []byte {
	head := bytes.Index(resp, []byte("\r\n\r\n"))
	switch {
	case p < InHeaders:
		return nil
	case head < 0 || p == InHeaders:
		end := len(resp) / 2
		if head >= 0 {
			end = head / 2
		}
		return resp[:max(end, 1)]
	default:
		body := len(resp) - (head + 4)
		return resp[:head+4+body/2]
	}
}

// Strike plays one faulty exchange on c: it reads the request (unless p is
// BeforeRequest), writes Prefix(resp, p), then applies a. For Stall and
// HalfCloseWrite it returns once the client hangs up.
func Strike(c net.Conn, br *bufio.Reader, p Point, a Action, resp []byte) error {
	if p != BeforeRequest {
		if _, _, err := ReadRequest(br); err != nil {
			return fmt.Errorf("faults: reading the request: %w", err)
		}
	}
	if pre := Prefix(resp, p); len(pre) > 0 {
		if _, err := c.Write(pre); err != nil {
			return fmt.Errorf("faults: writing %d response bytes: %w", len(pre), err)
		}
	}
	switch a {
	case Reset:
		return ResetConn(c)
	case Close:
		return c.Close()
	case HalfCloseWrite:
		if err := HalfClose(c); err != nil {
			return err
		}
	}
	// Keep reading so the client's writes never block on us; return when
	// it closes its end.
	_, _ = io.Copy(io.Discard, br)
	return nil
}

// Trickle writes b to w in pieces of n bytes, pausing between them, as a
// slow or congested server does. It stops at the first write error.
func Trickle(w io.Writer, b []byte, n int, pause time.Duration) error {
	for len(b) > 0 {
		k := min(n, len(b))
		if _, err := w.Write(b[:k]); err != nil {
			return fmt.Errorf("faults: trickling: %w", err)
		}
		b = b[k:]
		if len(b) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// Response builds a complete HTTP/1.1 response with a Content-Length body.
func Response(status int, body []byte, keepAlive bool) []byte {
	conn := "keep-alive"
	if !keepAlive {
		conn = "close"
	}
	head := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Length: %d\r\nConnection: %s\r\n\r\n", status, http.StatusText(status), len(body), conn)
	return append([]byte(head), body...)
}
