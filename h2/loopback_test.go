package h2

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// payload returns n deterministic pseudo-random bytes.
func payload(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func loopbackHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		b := payload(n)
		w.Header().Set("X-Sha256", fmt.Sprintf("%x", sha256.Sum256(b)))
		w.Write(b)
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	return mux
}

// startTLSServer starts Go's HTTP/2 server over TLS and returns it with a
// client TLS config trusting it and offering only h2.
func startTLSServer(t testing.TB) (*httptest.Server, *tls.Config) {
	srv := httptest.NewUnstartedServer(loopbackHandler())
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.NextProtos = []string{"h2"}
	return srv, cfg
}

func dialTLS(t testing.TB, srv *httptest.Server, cfg *tls.Config) *ClientConn {
	tc, err := tls.Dial("tcp", srv.Listener.Addr().String(), cfg)
	require.NoError(t, err)
	st := tc.ConnectionState()
	require.Equal(t, "h2", st.NegotiatedProtocol)
	cc, err := NewClientConn(tc, nil, &st, nil)
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// startH2CServer starts Go's server speaking HTTP/2 with prior knowledge,
// serving h.
func startH2CServer(t testing.TB, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: h, Protocols: &protos}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func dialH2C(t testing.TB, addr string) *ClientConn {
	nc, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	cc, err := NewClientConn(nc, nil, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

func checkExchanges(t *testing.T, cc *ClientConn, base string) {
	t.Run("GET", func(t *testing.T) {
		resp, err := cc.RoundTrip(get(t, base+"/small"))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, "hello", string(body))
		require.Equal(t, "HTTP/2.0", resp.Proto)
	})
	t.Run("POST", func(t *testing.T) {
		resp, err := cc.RoundTrip(post(t, base+"/upload", []byte("abc")))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("3 %x", sha256.Sum256([]byte("abc"))), string(body))
	})
	t.Run("1MiB download", func(t *testing.T) {
		resp, err := cc.RoundTrip(get(t, base+"/download?n=1048576"))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Len(t, body, 1<<20)
		require.Equal(t, resp.Header.Get("X-Sha256"), fmt.Sprintf("%x", sha256.Sum256(body)))
	})
	t.Run("1MiB upload", func(t *testing.T) {
		b := payload(1 << 20)
		resp, err := cc.RoundTrip(post(t, base+"/upload", b))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("%d %x", len(b), sha256.Sum256(b)), string(body))
	})
	t.Run("concurrent downloads", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() {
				n := 100000 + i*1000
				resp, err := cc.RoundTrip(get(t, fmt.Sprintf("%s/download?n=%d", base, n)))
				if err != nil {
					errs <- err
					return
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err == nil && !bytes.Equal(body, payload(n)) {
					err = fmt.Errorf("body of %d bytes differs", n)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	})
	require.NoError(t, cc.Err())
}

func TestLoopbackTLS(t *testing.T) {
	srv, cfg := startTLSServer(t)
	cc := dialTLS(t, srv, cfg)
	checkExchanges(t, cc, srv.URL)
	resp, err := cc.RoundTrip(get(t, srv.URL+"/small"))
	require.NoError(t, err)
	resp.Body.Close()
	require.NotNil(t, resp.TLS)
}

func TestLoopbackH2C(t *testing.T) {
	addr := startH2CServer(t, loopbackHandler())
	cc := dialH2C(t, addr)
	checkExchanges(t, cc, "http://"+addr)
}
