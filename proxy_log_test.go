package plex

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// lockedLog collects log output written from dial goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLogsHideProxyPassword(t *testing.T) {
	fwd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "forwarded")
	}))
	defer fwd.Close()
	pu, err := url.Parse(fwd.URL)
	require.NoError(t, err)
	pu.User = url.UserPassword("user", "hunter2")
	var out lockedLog
	c, err := New(WithProxy(http.ProxyURL(pu)),
		WithLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	defer c.Close()
	req, err := http.NewRequest(http.MethodGet, "http://example.com/", nil)
	require.NoError(t, err)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "forwarded", string(body))
	c.Close()
	logs := out.String()
	require.Contains(t, logs, "plex: connected")
	require.Contains(t, logs, "pool: dial start")
	require.Contains(t, logs, "user:xxxxx@")
	require.NotContains(t, logs, "hunter2")
}
