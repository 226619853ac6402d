package h2

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
)

// A reset the peer sent reads as x/net's, to the last byte: connect-go
// recognises it by that text alone (prefix "stream error: ", suffix
// "; received from peer") and maps its code to an RPC code.
func TestStreamErrorReadsAsXNets(t *testing.T) {
	for _, tc := range []struct {
		err  StreamError
		want string
	}{
		{StreamError{StreamID: 5, Code: ErrCodeCancel, Remote: true}, "stream error: stream ID 5; CANCEL; received from peer"},
		{StreamError{StreamID: 3, Code: ErrCodeProtocol, Cause: errors.New("bad header")}, "stream error: stream ID 3; PROTOCOL_ERROR; bad header"},
		{StreamError{StreamID: 7, Code: ErrCodeCancel}, "stream error: stream ID 7; CANCEL"},
	} {
		require.Equal(t, tc.want, tc.err.Error())
		var xe http2.StreamError
		require.True(t, errors.As(fmt.Errorf("wrapped: %w", tc.err), &xe), "errors.As to x/net's StreamError")
		require.Equal(t, tc.err.StreamID, xe.StreamID)
		require.Equal(t, http2.ErrCode(tc.err.Code), xe.Code)
		require.Equal(t, tc.want, xe.Error(), "x/net's own text for the value As gave")
		var se StreamError
		require.True(t, errors.As(fmt.Errorf("wrapped: %w", tc.err), &se), "errors.As to our own StreamError")
		require.Equal(t, tc.err, se)
	}
}

func TestGoAwayErrorsMatchXNets(t *testing.T) {
	ga := GoAwayError{LastStreamID: 9, Code: ErrCodeEnhanceYourCalm, DebugData: "slow down"}
	require.Equal(t, `http2: server sent GOAWAY; LastStreamID=9, ErrCode=ENHANCE_YOUR_CALM, debug="slow down"`, ga.Error())
	var xga http2.GoAwayError
	require.True(t, errors.As(fmt.Errorf("wrapped: %w", ga), &xga))
	require.Equal(t, http2.GoAwayError{LastStreamID: 9, ErrCode: http2.ErrCodeEnhanceYourCalm, DebugData: "slow down"}, xga)

	// Closed after a graceful GOAWAY: x/net's text for that very event.
	closed := &closedAfterGoAwayError{ga: GoAwayError{LastStreamID: 3}}
	require.Equal(t, `http2: server sent GOAWAY and closed the connection; LastStreamID=3, ErrCode=NO_ERROR, debug=""`, closed.Error())
	require.True(t, errors.As(closed, &xga))
	require.Equal(t, http2.GoAwayError{LastStreamID: 3, ErrCode: http2.ErrCodeNo}, xga)
	require.ErrorIs(t, closed, io.ErrUnexpectedEOF)
}

func TestConnectionErrorMatchesXNets(t *testing.T) {
	local := ConnectionError{Code: ErrCodeFlowControl, Reason: "window overflow"}
	require.Equal(t, "connection error: FLOW_CONTROL_ERROR: window overflow", local.Error())
	require.Equal(t, "connection error: PROTOCOL_ERROR", ConnectionError{Code: ErrCodeProtocol}.Error())
	remote := ConnectionError{Code: ErrCodeInternal, Reason: "crash", Remote: true}
	require.Equal(t, `http2: server sent GOAWAY and closed the connection; ErrCode=INTERNAL_ERROR, debug="crash"`, remote.Error())
	for _, e := range []ConnectionError{local, remote} {
		var xce http2.ConnectionError
		require.True(t, errors.As(fmt.Errorf("wrapped: %w", e), &xce))
		require.Equal(t, http2.ConnectionError(e.Code), xce)
	}
}

// As fills only the x/net type of the same name.
func TestAsLeavesOtherTargetsAlone(t *testing.T) {
	var xga http2.GoAwayError
	require.False(t, errors.As(StreamError{StreamID: 1, Code: ErrCodeCancel, Remote: true}, &xga))
	var xse http2.StreamError
	require.False(t, errors.As(GoAwayError{}, &xse))
	require.False(t, errors.As(ConnectionError{}, &xse))
}
