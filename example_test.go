package plex_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/plexhttp/plex"
)

func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()

	c, err := plex.New(plex.WithMaxConnsPerHost(8))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	if errors.Is(err, plex.ErrMaybeProcessed) {
		fmt.Println("the server may have seen it; not sent again")
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Proto, string(body))
	// Output: HTTP/1.1 hello
}

func ExampleNew_invalidOptions() {
	_, err := plex.New(plex.WithMaxConnsPerHost(-1), plex.WithMaxReadFrameSize(10))
	fmt.Println(err)
	// Output:
	// pool: MaxConnsPerHost -1 is negative
	// h2: MaxReadFrameSize 10 outside 16384..16777215
}

// A ReverseProxy whose backend is reached through plex: over HTTPS the
// backend's choice of protocol (HTTP/2 here) carries each proxied request.
func Example_reverseProxy() {
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend got %s %s over %s", r.Method, r.URL.Path, r.Proto)
	}))
	backend.EnableHTTP2 = true
	backend.StartTLS()
	defer backend.Close()

	roots := x509.NewCertPool()
	roots.AddCert(backend.Certificate())
	c, err := plex.New(plex.WithTLSConfig(&tls.Config{RootCAs: roots}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = c // where an *http.Transport would go
	front := httptest.NewServer(proxy)
	defer front.Close()

	resp, err := front.Client().Get(front.URL + "/hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output: 200 backend got GET /hello over HTTP/2.0
}

// Reading Server-Sent Events: each event is handed over as the server
// flushes it, since plex never buffers a response body beyond what a Read
// asks for.
func Example_serverSentEvents() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "event: tick\ndata: %d\n\n", i)
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	c, err := plex.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			fmt.Println("tick", data)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// tick 1
	// tick 2
	// tick 3
}
