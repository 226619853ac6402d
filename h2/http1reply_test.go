package h2

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex/internal/retry"
)

// A cleartext server that speaks HTTP/1.1 answers the prior-knowledge
// preface with a status line. The request fails saying so, marked as
// never processed and not worth retrying, instead of a FRAME_SIZE_ERROR
// from reading "HTTP/1.1 " as a frame header.
func TestPrefaceAnsweredWithHTTP1(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		status string
	}{
		{"one write", []string{"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"}, "HTTP/1.1 400 Bad Request"},
		{"byte by byte", []string{"H", "T", "T", "P", "/", "1", ".0 505 No\r\n"}, "HTTP/1.0 505 No"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runSynctest(t, func(t *testing.T) {
				h := newHarnessNoHandshake(t, nil)
				ch := h.roundTrip(get(t, "http://example.com/"))
				h.p.ReadPreface()
				h.p.WantSettings()
				h.p.WantWindowUpdate(0)
				h.p.WantHeaders(nil) // the request went out before the answer came
				for _, c := range tc.chunks {
					h.p.WriteRaw([]byte(c))
				}
				r := h.result(ch)
				require.Error(t, r.err)
				require.ErrorContains(t, r.err, "speaks HTTP/1.1, not HTTP/2 with prior knowledge")
				require.ErrorContains(t, r.err, tc.status)
				require.Equal(t, retry.Invalid, retry.ProgressOf(r.err))
				require.Error(t, h.cc.Err())
			})
		})
	}
}
