package h1

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeaderValuesOutliveTheNextResponse(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nX-Id: first\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nX-Id: second\r\nContent-Length: 0\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(raw))
	first, err := readResponse(br, nil, 0)
	require.NoError(t, err)
	second, err := readResponse(br, nil, 0)
	require.NoError(t, err)
	require.Equal(t, "first", first.Header.Get("X-Id"))
	require.Equal(t, "second", second.Header.Get("X-Id"))
}

func TestHeaderBeyondInlineCapacityIsComplete(t *testing.T) {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\n")
	long := strings.Repeat("v", 3*inlineBytes)
	b.WriteString("X-Long: " + long + "\r\n")
	for i := range 3 * inlineFields {
		fmt.Fprintf(&b, "X-Field-%d: %d\r\n", i, i)
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	resp, err := readResponse(bufio.NewReader(strings.NewReader(b.String())), nil, 0)
	require.NoError(t, err)
	require.Equal(t, long, resp.Header.Get("X-Long"))
	for i := range 3 * inlineFields {
		require.Equal(t, fmt.Sprint(i), resp.Header.Get(fmt.Sprintf("X-Field-%d", i)))
	}
	require.Len(t, resp.Header, 3*inlineFields+2)
}

func TestRepeatedFieldKeepsEveryValue(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"
	resp, err := readResponse(bufio.NewReader(strings.NewReader(raw)), nil, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"a=1", "b=2"}, resp.Header.Values("Set-Cookie"))
}
