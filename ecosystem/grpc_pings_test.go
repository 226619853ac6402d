package ecosystem_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/plexhttp/plex"
	"github.com/plexhttp/plex/h2"
)

// echoService is a gRPC service registered by hand, so the test needs no
// generated code: one bidirectional stream that echoes each message,
// except messages reading "quiet", which it swallows without a reply. It
// then waits for the client to cancel, so that a quiet stream sees no
// HEADERS or DATA from the server at all, trailers included.
var echoService = grpc.ServiceDesc{
	ServiceName: "plex.test.Echo",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Chat",
		ServerStreams: true,
		ClientStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			for {
				m := new(wrapperspb.StringValue)
				if err := stream.RecvMsg(m); err != nil {
					<-stream.Context().Done()
					return nil
				}
				if m.GetValue() == "quiet" {
					continue
				}
				if err := stream.SendMsg(m); err != nil {
					<-stream.Context().Done()
					return nil
				}
			}
		},
	}},
}

// TestGRPCServerToleratesCanceledStreams drives thousands of bidi streams
// through plex to a grpc-go server and cancels each mid-flight, some after
// the server answered, most before it said anything. grpc-go answers the
// third PING in a row without HEADERS or DATA of its own with
// GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") and drops the connection,
// failing every stream on it; plex's PINGs after resets must stay within
// that. No GOAWAY may reach the client and no stream may fail otherwise
// than by its own cancellation.
func TestGRPCServerToleratesCanceledStreams(t *testing.T) {
	base := serveGRPC(t, &echoService)
	var goAways atomic.Int32
	var goAwayText atomic.Value
	c, err := plex.New(
		plex.WithProtocols(plex.UnencryptedHTTP2),
		plex.WithFrameTrace(func(ev h2.FrameEvent) {
			if ev.Dir == h2.Read && ev.Type == "GOAWAY" {
				goAways.Add(1)
				goAwayText.Store(ev.Summary)
			}
		}),
	)
	require.NoError(t, err)
	defer c.Close()
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](
		&http.Client{Transport: c}, base+"/plex.test.Echo/Chat", connect.WithGRPC())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One stream after another, each canceled before the server said
	// anything: every reset could carry a PING, none is forgiven.
	for range 500 {
		require.NoError(t, chatThenCancel(ctx, client, false))
		require.Zero(t, goAways.Load(), "GOAWAY from the server: %v", goAwayText.Load())
	}
	// Many at once, one in four answered before its cancellation.
	const streams, workers = 3000, 8
	var next atomic.Int32
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > streams || goAways.Load() > 0 {
					return
				}
				if err := chatThenCancel(ctx, client, i%4 == 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, goAways.Load(), "GOAWAY from the server: %v", goAwayText.Load())
	require.NoError(t, ctx.Err())
}

// chatThenCancel opens a stream, sends one message, waits for its echo
// when answered is true, and cancels the stream.
func chatThenCancel(parent context.Context, client *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue], answered bool) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	stream := client.CallBidiStream(ctx)
	msg := "quiet"
	if answered {
		msg = "echo"
	}
	if err := stream.Send(wrapperspb.String(msg)); err != nil {
		return err
	}
	if answered {
		got, err := stream.Receive()
		if err != nil {
			return err
		}
		if got.GetValue() != msg {
			return errors.New("wrong echo: " + got.GetValue())
		}
	}
	cancel()
	_, err := stream.Receive()
	if err == nil || connect.CodeOf(err) != connect.CodeCanceled {
		return errors.Join(errors.New("stream did not end by its cancellation"), err)
	}
	_ = stream.CloseRequest()
	_ = stream.CloseResponse()
	return nil
}
