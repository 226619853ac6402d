package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
)

func send(c *plex.Client, method, url, body string, hdr ...string) (string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return "", err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// startClosingAfterEachResponse starts a server that answers one request
// per connection and closes it without saying so; closed receives once per
// connection closed.
func startClosingAfterEachResponse(t *testing.T) (*rawServer, <-chan struct{}) {
	closed := make(chan struct{}, 16)
	s := startRaw(t, func(s *rawServer, c net.Conn, br *bufio.Reader, _ int) {
		if s.read(br) == nil {
			return
		}
		io.WriteString(c, okResponse)
		c.Close()
		closed <- struct{}{}
	})
	return s, closed
}

// A server that closes each connection after one response, without saying
// so, makes every reuse find a dead connection. Plex notices before writing
// and sends even a POST on a fresh connection: it never reached the server.
func TestServerClosedIdleConnIsNotReused(t *testing.T) {
	s, closed := startClosingAfterEachResponse(t)
	c := newClient(t, nil)
	for range 5 {
		body, err := send(c, http.MethodPost, s.URL+"/p", "payload")
		require.NoError(t, err)
		require.Equal(t, "ok", body)
		<-closed
	}
	require.Equal(t, []string{"POST /p", "POST /p", "POST /p", "POST /p", "POST /p"}, s.requests())
	require.EqualValues(t, 5, c.Stats().Dials, "each request found the previous connection dead and dialed")
}

// The same check keeps a GET from ever reaching the dead connection: each
// goes out once, on a fresh one.
func TestServerClosedIdleConnStillServesEachGetOnce(t *testing.T) {
	s, closed := startClosingAfterEachResponse(t)
	c := newClient(t, nil)
	for range 5 {
		body, err := send(c, http.MethodGet, s.URL+"/g", "")
		require.NoError(t, err)
		require.Equal(t, "ok", body)
		<-closed
	}
	require.Equal(t, []string{"GET /g", "GET /g", "GET /g", "GET /g", "GET /g"}, s.requests())
	require.EqualValues(t, 5, c.Stats().Dials)
	require.LessOrEqual(t, c.Stats().Retries, uint64(4))
}

// noAnswerOnSecond answers the first request of each connection and reads
// the second without answering before closing.
func noAnswerOnSecond(s *rawServer, c net.Conn, br *bufio.Reader, _ int) {
	if s.read(br) == nil {
		return
	}
	io.WriteString(c, okResponse)
	s.read(br)
}

func TestNoResponseOnReusedConnRetriesIdempotentRequest(t *testing.T) {
	s := startRaw(t, noAnswerOnSecond)
	c := newClient(t, nil)
	for range 2 {
		body, err := send(c, http.MethodGet, s.URL+"/g", "")
		require.NoError(t, err)
		require.Equal(t, "ok", body)
	}
	require.Equal(t, []string{"GET /g", "GET /g", "GET /g"}, s.requests(),
		"the second GET reached the first connection, got no answer, and was sent again")
	require.EqualValues(t, 1, c.Stats().Retries)
}

func TestNoResponseOnReusedConnFailsNonIdempotentRequest(t *testing.T) {
	s := startRaw(t, noAnswerOnSecond)
	c := newClient(t, nil)
	_, err := send(c, http.MethodPost, s.URL+"/p", "one")
	require.NoError(t, err)
	_, err = send(c, http.MethodPost, s.URL+"/p", "two")
	require.Error(t, err)
	require.ErrorIs(t, err, plex.ErrMaybeProcessed)
	require.Equal(t, []string{"POST /p", "POST /p"}, s.requests(), "the POST was not sent twice")
}

func TestNoResponseOnReusedConnRetriesPostWithIdempotencyKey(t *testing.T) {
	s := startRaw(t, noAnswerOnSecond)
	c := newClient(t, nil)
	for range 2 {
		body, err := send(c, http.MethodPost, s.URL+"/p", "x", "Idempotency-Key", "k1")
		require.NoError(t, err)
		require.Equal(t, "ok", body)
	}
	require.Len(t, s.requests(), 3)
}

// On a fresh connection a silent close may mean the server crashed while
// processing: even a GET is not sent again.
func TestNoResponseOnFreshConnIsNotRetried(t *testing.T) {
	s := startRaw(t, func(s *rawServer, _ net.Conn, br *bufio.Reader, _ int) { s.read(br) })
	c := newClient(t, nil)
	_, err := send(c, http.MethodGet, s.URL+"/g", "")
	require.ErrorIs(t, err, plex.ErrMaybeProcessed)
	require.Equal(t, []string{"GET /g"}, s.requests())
}

func TestCanceledRequestErrorMatchesContext(t *testing.T) {
	arrived := make(chan struct{})
	s := startRaw(t, func(s *rawServer, c net.Conn, br *bufio.Reader, _ int) {
		if s.read(br) != nil {
			close(arrived)
			io.Copy(io.Discard, c) // never answer; wait for the client to go
		}
	})
	c := newClient(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/slow", nil)
	require.NoError(t, err)
	go func() { <-arrived; cancel() }()
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 0, c.Stats().InFlight)
}
