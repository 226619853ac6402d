package ecosystem_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/plexhttp/plex"
)

// resetServer is an HTTP/2 server with prior knowledge (h2c) that answers
// every request with RST_STREAM carrying code: what a gRPC server does when
// it refuses, cancels or sheds a call. With headFirst it sends a gRPC
// response header first, so the reset ends the response body.
type resetServer struct {
	ln        net.Listener
	code      http2.ErrCode
	headFirst bool
	wg        sync.WaitGroup
}

func startResetServer(t *testing.T, code http2.ErrCode, headFirst bool) *resetServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &resetServer{ln: ln, code: code, headFirst: headFirst}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *resetServer) accept() {
	defer s.wg.Done()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		conns = append(conns, c)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

// serve speaks just enough HTTP/2 for the reset: the preface, SETTINGS and
// their ACKs, PINGs, and a RST_STREAM for each request. It ends when the
// client or the listener closes the connection.
func (s *resetServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(c, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(c, c)
	if fr.WriteSettings() != nil {
		return
	}
	var head bytes.Buffer
	enc := hpack.NewEncoder(&head)
	enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	enc.WriteField(hpack.HeaderField{Name: "content-type", Value: "application/grpc"})
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() && fr.WriteSettingsAck() != nil {
				return
			}
		case *http2.PingFrame:
			if !f.IsAck() && fr.WritePing(true, f.Data) != nil {
				return
			}
		case *http2.HeadersFrame:
			if s.headFirst && fr.WriteHeaders(http2.HeadersFrameParam{
				StreamID: f.StreamID, BlockFragment: head.Bytes(), EndHeaders: true}) != nil {
				return
			}
			if fr.WriteRSTStream(f.StreamID, s.code) != nil {
				return
			}
		}
	}
}

// callReset makes one gRPC call with connect-go through hc and returns its
// error.
func callReset(t *testing.T, hc connect.HTTPClient, addr string) error {
	client := connect.NewClient[emptypb.Empty, emptypb.Empty](hc, "http://"+addr+"/test.v1.Svc/Call", connect.WithGRPC())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
	require.Error(t, err)
	return err
}

// connect-go maps an HTTP/2 reset to an RPC code by reading the reset's
// code from the error's text, as net/http's transport writes it ("stream
// error: stream ID 1; CANCEL; received from peer"). Through plex each code
// must map as it does through net/http. With plex's own texts a reset
// after the response header became "internal" and one before it
// "unavailable", whatever its code; a maybe-processed note in front of a
// reset's text alone is enough to hide it.
func TestConnectMapsResetCodesAsWithNetHTTP(t *testing.T) {
	for _, tc := range []struct {
		code      http2.ErrCode
		headFirst bool
		want      connect.Code
	}{
		// Before any response, RoundTrip fails. A REFUSED_STREAM there is
		// sent again by both transports (net/http until the deadline), so
		// it is checked after the response header only.
		{http2.ErrCodeCancel, false, connect.CodeCanceled},
		{http2.ErrCodeEnhanceYourCalm, false, connect.CodeResourceExhausted},
		// After the response header, reading the body fails.
		{http2.ErrCodeCancel, true, connect.CodeCanceled},
		{http2.ErrCodeRefusedStream, true, connect.CodeUnavailable},
		{http2.ErrCodeEnhanceYourCalm, true, connect.CodeResourceExhausted},
	} {
		name := tc.code.String() + "/before response"
		if tc.headFirst {
			name = tc.code.String() + "/after response header"
		}
		t.Run(name, func(t *testing.T) {
			s := startResetServer(t, tc.code, tc.headFirst)
			addr := s.ln.Addr().String()

			var protos http.Protocols
			protos.SetUnencryptedHTTP2(true)
			tr := &http.Transport{Protocols: &protos}
			defer tr.CloseIdleConnections()
			want := callReset(t, &http.Client{Transport: tr}, addr)
			require.Equal(t, tc.want, connect.CodeOf(want), "net/http: %v", want)

			c, err := plex.New(plex.WithProtocols(plex.UnencryptedHTTP2))
			require.NoError(t, err)
			defer c.Close()
			got := callReset(t, c, addr)
			require.Equal(t, tc.want, connect.CodeOf(got), "plex: %v", got)

			var se http2.StreamError
			require.True(t, errors.As(got, &se), "x/net's StreamError through errors.As: %v", got)
			require.Equal(t, tc.code, se.Code)
		})
	}
}
