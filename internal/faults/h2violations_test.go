package faults

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2/hpack"
)

func TestH2ViolationNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range H2Violations() {
		require.False(t, seen[v.Name], v.Name)
		seen[v.Name] = true
		require.NotEmpty(t, v.Section, v.Name)
		require.NotNil(t, v.Send, v.Name)
	}
	require.Greater(t, len(seen), 40)
}

func TestHPACKBombExceedsLimitCheaply(t *testing.T) {
	const limit = 64 << 10
	b := HPACKBomb(limit)
	var size uint32
	d := hpack.NewDecoder(4096, func(f hpack.HeaderField) { size += f.Size() })
	_, err := d.Write(b)
	require.NoError(t, err)
	require.NoError(t, d.Close())
	require.Greater(t, size, uint32(limit))
	require.Less(t, len(b), limit/8)
}

func TestTableSizeUpdateEncoding(t *testing.T) {
	for _, size := range []uint32{0, 30, 31, 4096, 8192} {
		d := hpack.NewDecoder(1<<20, nil)
		d.SetAllowedMaxDynamicTableSize(1 << 20)
		fields, err := d.DecodeFull(TableSizeUpdate(size, 0x88))
		require.NoError(t, err, size)
		require.Equal(t, ":status", fields[0].Name)
	}
	d := hpack.NewDecoder(4096, nil)
	_, err := d.DecodeFull(TableSizeUpdate(8192, 0x88))
	require.Error(t, err)
}

func TestContinuationFloodIsValidHPACK(t *testing.T) {
	b := continuationFlood(1, 40000, 16384)
	require.Greater(t, len(b), 40000)
	require.True(t, bytes.HasPrefix(b[3:4], []byte{0x1}), "starts with HEADERS")
}
