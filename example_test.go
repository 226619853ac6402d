package plex_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

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
