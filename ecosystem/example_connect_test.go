package ecosystem_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/plexhttp/plex"
)

// A connect-go client speaking gRPC over plex's HTTP/2: *plex.Client is a
// connect.HTTPClient as it is. gRPC's status travels in HTTP/2 trailers.
func Example_connect() {
	const procedure = "/greet.v1.GreetService/Greet"
	handler := connect.NewUnaryHandler(procedure,
		func(_ context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			if req.Msg.GetValue() == "" {
				return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("no name"))
			}
			return connect.NewResponse(wrapperspb.String("hello, " + req.Msg.GetValue())), nil
		})
	mux := http.NewServeMux()
	mux.Handle(procedure, handler)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())

	c, err := plex.New(plex.WithTLSConfig(&tls.Config{RootCAs: roots}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	greet := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](c, srv.URL+procedure, connect.WithGRPC())
	resp, err := greet.CallUnary(context.Background(), connect.NewRequest(wrapperspb.String("plex")))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Msg.GetValue())

	_, err = greet.CallUnary(context.Background(), connect.NewRequest(wrapperspb.String("")))
	fmt.Println(connect.CodeOf(err))
	// Output:
	// hello, plex
	// invalid_argument
}
