package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/alpn"
)

// tunnelProtocols are the two protocols a CONNECT tunnel to an https origin
// can carry, each with the plex setting that selects it.
var tunnelProtocols = []struct {
	name  string
	proto plex.Protocol
	major int
}{
	{"h2", plex.HTTP2, 2},
	{"http1.1", plex.HTTP1, 1},
}

func TestProxyConnectHeaderAndResponseHook(t *testing.T) {
	for _, tp := range tunnelProtocols {
		t.Run(tp.name, func(t *testing.T) {
			origin := startGo(t, bodyHandler(), "h2", "http/1.1")
			p := startProxy(t)
			pu, err := url.Parse(p.URL)
			require.NoError(t, err)
			var statuses []int
			var mu sync.Mutex
			c := newClient(t, origin,
				plex.WithProtocols(tp.proto),
				plex.WithProxy(http.ProxyURL(pu)),
				plex.WithProxyConnectHeader(http.Header{"X-Team": {"payments"}}),
				plex.WithOnProxyConnectResponse(func(_ context.Context, u *url.URL, req *http.Request, res *http.Response) error {
					mu.Lock()
					defer mu.Unlock()
					statuses = append(statuses, res.StatusCode)
					require.Equal(t, pu.String(), u.String())
					require.Equal(t, origin.Listener.Addr().String(), req.Host)
					return nil
				}))
			for range 2 {
				resp, body := get(t, c, origin.URL+"/blob/100")
				require.Equal(t, tp.major, resp.ProtoMajor)
				require.Equal(t, sum(pattern(100)), sum(body))
			}
			require.EqualValues(t, 1, p.connects.Load())
			p.mu.Lock()
			defer p.mu.Unlock()
			require.Equal(t, "payments", p.headers[0].Get("X-Team"))
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []int{http.StatusOK}, statuses)
		})
	}
}

// digestProxy demands a challenge-response credential on CONNECT: a fresh
// nonce per challenge, answered with sha256(nonce ":" password). It stands
// for Digest or Negotiate, which the client cannot answer without seeing
// the challenge.
type digestProxy struct {
	mu     sync.Mutex
	nonces map[string]bool // issued and not yet used; guarded by mu
	seq    int             // guarded by mu
}

const digestPassword = "s3cret"

func digestResponse(nonce string) string {
	h := sha256.Sum256([]byte(nonce + ":" + digestPassword))
	return hex.EncodeToString(h[:])
}

func (d *digestProxy) gate(w http.ResponseWriter, r *http.Request) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	var nonce, response string
	if _, err := fmt.Sscanf(r.Header.Get("Proxy-Authorization"), "Test nonce=%s response=%s", &nonce, &response); err == nil &&
		d.nonces[nonce] && response == digestResponse(nonce) {
		delete(d.nonces, nonce)
		return true
	}
	d.seq++
	nonce = fmt.Sprintf("n%d", d.seq)
	d.nonces[nonce] = true
	w.Header().Set("Proxy-Authenticate", "Test nonce="+nonce)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusProxyAuthRequired)
	io.WriteString(w, "credentials required")
	return false
}

// TestProxyChallengeResponse is the flow a Digest or Negotiate user
// follows: the first request fails with the proxy's 407 and its challenge,
// the caller computes the credential, GetProxyConnectHeader supplies it,
// and the request sent again goes through.
func TestProxyChallengeResponse(t *testing.T) {
	for _, tp := range tunnelProtocols {
		t.Run(tp.name, func(t *testing.T) {
			origin := startGo(t, bodyHandler(), "h2", "http/1.1")
			dp := &digestProxy{nonces: map[string]bool{}}
			p := startGatedProxy(t, dp.gate)
			pu, err := url.Parse(p.URL)
			require.NoError(t, err)
			var credential atomic.Value // string: the Proxy-Authorization to send
			credential.Store("")
			c := newClient(t, origin,
				plex.WithProtocols(tp.proto),
				plex.WithProxy(http.ProxyURL(pu)),
				plex.WithGetProxyConnectHeader(func(_ context.Context, _ *url.URL, target string) (http.Header, error) {
					require.Equal(t, origin.Listener.Addr().String(), target)
					if cred := credential.Load().(string); cred != "" {
						return http.Header{"Proxy-Authorization": {cred}}, nil
					}
					return nil, nil
				}))

			req, err := http.NewRequest(http.MethodGet, origin.URL+"/blob/10", nil)
			require.NoError(t, err)
			_, err = c.RoundTrip(req)
			var pe *alpn.ProxyConnectError
			require.ErrorAs(t, err, &pe)
			require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
			require.Equal(t, http.StatusProxyAuthRequired, pe.StatusCode)
			require.Equal(t, "credentials required", string(pe.Body))
			nonce, ok := strings.CutPrefix(pe.Header.Get("Proxy-Authenticate"), "Test nonce=")
			require.True(t, ok, "challenge %q", pe.Header.Get("Proxy-Authenticate"))

			credential.Store("Test nonce=" + nonce + " response=" + digestResponse(nonce))
			resp, body := get(t, c, origin.URL+"/blob/10")
			require.Equal(t, tp.major, resp.ProtoMajor)
			require.Equal(t, sum(pattern(10)), sum(body))
			require.EqualValues(t, 1, p.connects.Load(), "only the answered challenge got a tunnel")
			p.mu.Lock()
			defer p.mu.Unlock()
			require.Equal(t, []string{"", "Test nonce=n1 response=" + digestResponse("n1")}, p.auth)
		})
	}
}

func TestOnProxyConnectResponseVeto(t *testing.T) {
	origin := startGo(t, bodyHandler(), "h2", "http/1.1")
	p := startProxy(t)
	pu, err := url.Parse(p.URL)
	require.NoError(t, err)
	veto := errors.New("proxy certificate pinning failed")
	c := newClient(t, origin, plex.WithProxy(http.ProxyURL(pu)),
		plex.WithOnProxyConnectResponse(func(context.Context, *url.URL, *http.Request, *http.Response) error { return veto }))
	req, err := http.NewRequest(http.MethodGet, origin.URL+"/blob/1", nil)
	require.NoError(t, err)
	_, err = c.RoundTrip(req)
	require.ErrorIs(t, err, veto)
	require.NotErrorIs(t, err, plex.ErrMaybeProcessed)
	require.EqualValues(t, 1, p.connects.Load(), "no second try")
}
